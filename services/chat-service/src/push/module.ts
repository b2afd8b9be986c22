import type https from "node:https";
import { Counter, Gauge } from "prom-client";
import type { CoreDeps } from "../core-deps.js";
import { pushAgent } from "./endpoint.js";
import type { FocusTracker } from "./focus.js";
import { createPushNotifier } from "./notifier.js";
import { createPushSender, type VapidKeys } from "./sender.js";
import { createPushStore } from "./store.js";
import { loadVapidKeys } from "./vapid.js";

export interface PushOptions {
  /** The connection pool to push services (tests pass one that trusts their stand-in's certificate). */
  agent?: https.Agent;
}

/**
 * Web Push, built once by buildApp: the VAPID keys (loaded on first need), the
 * subscription store, the bounded sender and the notifier that decides who hears what.
 */
export async function createPushModule(deps: CoreDeps & { focus: FocusTracker }, opts: PushOptions = {}) {
  const { config, metrics, log } = deps;
  const store = createPushStore(deps.db);
  // Loaded on first need, not at boot: the service must start (and say 503 on /readyz) while the
  // database does not answer; a failed load is retried by the next caller.
  let loading: Promise<VapidKeys> | undefined;
  const vapid = (): Promise<VapidKeys> => {
    loading ??= loadVapidKeys(store, config).catch((err) => {
      loading = undefined;
      throw err;
    });
    return loading;
  };
  const outcomes = new Counter({
    name: "chat_pushes_total",
    help: "Pushes handed to push services, by outcome (sent, gone = subscription removed, failed, dropped = queue full)",
    labelNames: ["outcome"] as const,
    registers: [metrics.registry],
  });
  const sender = createPushSender({
    vapid,
    agent:
      opts.agent ??
      pushAgent({ maxSockets: config.PUSH_CONCURRENCY, allowPrivate: config.PUSH_ALLOW_PRIVATE_ENDPOINTS }),
    concurrency: config.PUSH_CONCURRENCY,
    queueMax: config.PUSH_QUEUE_MAX,
    timeoutMs: config.PUSH_TIMEOUT_MS,
    onGone: (endpoint) => store.removeEndpoint(endpoint),
    onResult: (outcome) => outcomes.inc({ outcome }),
    log,
  });
  new Gauge({
    name: "chat_push_queue",
    help: "Pushes waiting for or in flight to push services",
    registers: [metrics.registry],
    collect() {
      this.set(sender.size());
    },
  });
  const notifier = createPushNotifier({
    store,
    stores: deps.stores,
    focus: deps.focus,
    sender,
    log,
    policy: config.PUSH_PAYLOAD,
    collapseMs: config.PUSH_COLLAPSE_MS,
    ttlSeconds: config.PUSH_TTL_SECONDS,
    ringSeconds: Math.ceil(config.CALL_RING_TIMEOUT_MS / 1000),
  });
  return {
    publicKey: async () => (await vapid()).publicKey,
    store,
    focus: deps.focus,
    notifier,
    sender,
    /** Every decided push handed over and every request answered (tests). */
    async settle() {
      await notifier.settle();
      await sender.idle();
    },
    close() {
      notifier.close();
      sender.close();
    },
  };
}
export type PushModule = Awaited<ReturnType<typeof createPushModule>>;
