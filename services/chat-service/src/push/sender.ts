import type https from "node:https";
import type { PushPayload } from "@messenger/protocol";
import webpush from "web-push";
import type { SubscriptionRow } from "./store.js";

export interface VapidKeys {
  subject: string;
  publicKey: string;
  privateKey: string;
}

export interface PushJob {
  subscription: Pick<SubscriptionRow, "endpoint" | "p256dh" | "auth">;
  payload: PushPayload;
  /** Seconds the push service may keep it while the device is offline (0: now or never, e.g. a ringing call). */
  ttl: number;
  urgency: "normal" | "high";
}

export interface SenderOptions {
  vapid: () => Promise<VapidKeys>;
  agent: https.Agent;
  concurrency: number;
  queueMax: number;
  timeoutMs: number;
  /** The push service forgot the subscription (404/410): stop using it. */
  onGone(endpoint: string): Promise<void>;
  onResult(outcome: "sent" | "gone" | "failed" | "dropped"): void;
  log: { warn(obj: object, msg: string): void };
}

/**
 * Hands pushes to push services off the send path: `enqueue` never waits. At most `queueMax` wait
 * (past that new ones are dropped and counted) and `concurrency` are in flight, each with a
 * deadline. A push not yet sent is replaced by a newer one for the same device and tag, so a burst
 * costs one request per device and conversation. Payloads are encrypted per RFC 8291 (aes128gcm)
 * and signed with VAPID (RFC 8292) by `web-push`.
 */
export function createPushSender(opts: SenderOptions) {
  // Insertion-ordered: replacing a waiting job keeps its place in the line.
  const waiting = new Map<string, PushJob>();
  let inFlight = 0;
  let closed = false;
  const idle = new Set<() => void>();

  async function deliver(job: PushJob): Promise<void> {
    const { subject, publicKey, privateKey } = await opts.vapid();
    const request = webpush.sendNotification(
      { endpoint: job.subscription.endpoint, keys: { p256dh: job.subscription.p256dh, auth: job.subscription.auth } },
      JSON.stringify(job.payload),
      {
        vapidDetails: { subject, publicKey, privateKey },
        TTL: job.ttl,
        urgency: job.urgency,
        // Push services keep only the newest message of a topic for an offline device.
        topic: topicOf(job.payload.tag),
        agent: opts.agent,
        timeout: opts.timeoutMs,
      },
    );
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`push service: no answer within ${opts.timeoutMs} ms`)),
        opts.timeoutMs,
      );
    });
    try {
      await Promise.race([request, late]);
      opts.onResult("sent");
    } catch (err) {
      const status = (err as { statusCode?: number }).statusCode;
      if (status === 404 || status === 410) {
        opts.onResult("gone");
        await opts.onGone(job.subscription.endpoint);
        return;
      }
      opts.onResult("failed");
      opts.log.warn({ err: { message: (err as Error).message, status }, host: hostOf(job) }, "push not delivered");
    } finally {
      clearTimeout(timer);
      request.catch(() => undefined);
    }
  }

  function pump() {
    while (!closed && inFlight < opts.concurrency && waiting.size) {
      const [key, job] = waiting.entries().next().value as [string, PushJob];
      waiting.delete(key);
      inFlight++;
      deliver(job)
        .catch((err) => opts.log.warn({ err }, "push failed"))
        .finally(() => {
          inFlight--;
          pump();
        });
    }
    if (inFlight === 0 && waiting.size === 0) for (const fn of idle) fn();
  }

  return {
    enqueue(job: PushJob): void {
      if (closed) return;
      const key = `${job.subscription.endpoint}|${job.payload.tag}`;
      if (!waiting.has(key) && waiting.size >= opts.queueMax) {
        opts.onResult("dropped");
        return;
      }
      waiting.set(key, job);
      pump();
    },
    /** Waiting and in flight (metrics, tests). */
    size: () => waiting.size + inFlight,
    /** Resolves once nothing waits or is in flight. */
    idle(): Promise<void> {
      if (inFlight === 0 && waiting.size === 0) return Promise.resolve();
      return new Promise((resolve) => {
        const done = () => {
          idle.delete(done);
          resolve();
        };
        idle.add(done);
      });
    },
    close() {
      closed = true;
      waiting.clear();
      opts.agent.destroy();
    },
  };
}
export type PushSender = ReturnType<typeof createPushSender>;

/** RFC 8030 Topic: ≤ 32 base64url characters. */
function topicOf(tag: string): string {
  return tag.replace(/[^A-Za-z0-9_-]/g, "").slice(-32);
}

function hostOf(job: PushJob): string {
  try {
    return new URL(job.subscription.endpoint).host;
  } catch {
    return "?";
  }
}
