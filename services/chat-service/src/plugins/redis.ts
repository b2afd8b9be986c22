import { randomUUID } from "node:crypto";
import type { FastifyBaseLogger } from "fastify";
import fp from "fastify-plugin";
import { RateLimiterMemory, RateLimiterRedis, RLWrapperTimeouts } from "rate-limiter-flexible";
import { createClient } from "redis";
import type { Config } from "../config.js";
import { createMemoryPresence, type Presence, type PresenceWatch } from "../domain/presence.js";
import type { LimiterFactory } from "../limits.js";
import { createMemoryFocus, createRedisFocus, type FocusTracker } from "../push/focus.js";
import type { ChatServer } from "../realtime/hub.js";
import { attachStreamsAdapter } from "./redis-adapter.js";

type RedisClient = ReturnType<typeof createClient>;

/**
 * With REDIS_URL, several chat-service instances behave as one: socket.io rooms and
 * broadcasts go through the Redis adapter, and presence, typing throttles and rate
 * limits live in Redis instead of process memory. Presence's Lua scripts build key names
 * from the prefix, so this needs one Redis (standalone or Sentinel), not Redis Cluster.
 *
 * Redis may go away (killed, restarted, hung) and the service must keep sending: every command
 * has a deadline (`commandTimeoutMs`), commands fail at once while disconnected instead of
 * queueing, rate limits fall back to this instance's memory, presence and typing degrade (logged),
 * and the adapter's losses are made good by `sync:hint` (redis-adapter.ts).
 */
export interface RedisInfra {
  presence: Presence;
  /** Which users have a tab in the foreground, on any instance (push/focus.ts). */
  focus: FocusTracker;
  /** Rate limits shared by every instance. */
  limiter: LimiterFactory;
  /** Readiness: Redis answers a PING within `timeoutMs` (a stalled Redis would queue it forever). */
  ping(timeoutMs: number): Promise<boolean>;
  /** Routes the socket server's rooms and broadcasts through Redis (the socket-server plugin calls it). */
  attachAdapter(io: ChatServer): void;
  close(): Promise<void>;
}

export async function connectRedis(
  url: string,
  prefix: string,
  opts: {
    typingThrottleMs: number;
    commandTimeoutMs: number;
    heartbeatMs: number;
    ttlMs: number;
    hintSpreadMs: number;
    onSyncHint(): void;
    log: FastifyBaseLogger;
  },
): Promise<RedisInfra> {
  // Presence, typing and limits: while disconnected a command fails at once (no offline queue).
  const client: RedisClient = createClient({ url, disableOfflineQueue: true });
  // The adapter's clients (it duplicates this one for its stream readers) queue while disconnected,
  // for at most the deadline, so a reader waits for Redis instead of spinning on errors.
  const streams = client.duplicate({
    disableOfflineQueue: false,
    commandOptions: { timeout: opts.commandTimeoutMs },
  });
  let down = false;
  for (const c of [client, streams]) {
    c.on("error", (err) => {
      // One line per outage, not one per reconnect attempt.
      if (!down) opts.log.warn({ err }, "redis unreachable; degrading (sends go on, presence and typing may lag)");
      down = true;
    });
    c.on("ready", () => {
      if (down) opts.log.info("redis reachable again");
      down = false;
    });
  }
  await Promise.all([client.connect(), streams.connect()]);
  let adapter: { close(): void } | undefined;

  const bounded = <T>(what: string, p: Promise<T>) => withDeadline(p, opts.commandTimeoutMs, `redis ${what}`);
  const presence = createRedisPresence(client, prefix, bounded, opts);
  const focus = createRedisFocus(client, prefix, { ...opts, bounded });

  // Shared across instances while Redis answers; this instance's own count (the same budget per
  // instance) while it does not, so a Redis outage never stops sending or signing in.
  const limiter: LimiterFactory = (keyPrefix, points, duration) =>
    new RLWrapperTimeouts({
      limiter: new RateLimiterRedis({
        storeClient: client,
        useRedisPackage: true,
        rejectIfRedisNotReady: true,
        keyPrefix: `${prefix}:${keyPrefix}`,
        points,
        duration,
      }),
      timeoutMs: opts.commandTimeoutMs,
      insuranceLimiter: new RateLimiterMemory({ keyPrefix: `${prefix}:${keyPrefix}`, points, duration }),
    });

  return {
    presence,
    focus,
    limiter,
    attachAdapter(io) {
      adapter = attachStreamsAdapter(io, streams, prefix, {
        publishTimeoutMs: opts.commandTimeoutMs,
        hintSpreadMs: opts.hintSpreadMs,
        log: opts.log,
        onHint: opts.onSyncHint,
      });
    },
    async ping(timeoutMs) {
      if (!client.isReady) return false;
      return withDeadline(client.ping(), timeoutMs, "redis ping").then(
        () => true,
        () => false,
      );
    },
    async close() {
      adapter?.close();
      await Promise.allSettled([client.quit(), streams.quit()]);
    },
  };
}

/** Rejects after `ms` if `p` has not settled (a hung Redis answers nothing, ever). */
function withDeadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

// Presence across instances.
//
// Every instance has an id and a deadline in `instances` (a sorted set: id → now + TTL, from the
// Redis clock), renewed every heartbeat. A user's sockets are counted in process memory; Redis
// holds, per user, the set of instances where they have ≥1 socket (`user:<id>`) and, per instance,
// its users (`instance:<id>`). Online = in the set of at least one instance whose deadline has
// not passed, so a killed instance's users count as gone once its TTL runs out, with no event
// needed. Each heartbeat also reaps instances past their deadline: it removes them from their
// users' sets and reports the users left on no live instance, whose contacts then hear
// "offline". Scripts run atomically, so of several survivors exactly one reaps a dead instance.
// A graceful close reaps its own instance at once. An instance that stalled past its TTL and was
// reaped re-registers its users on its next heartbeat.

const LUA_COMMON = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local instances = KEYS[1]
local prefix = ARGV[1]
local function live(id)
  local deadline = redis.call('ZSCORE', instances, id)
  return deadline and tonumber(deadline) > now
end
local function onlineElsewhere(user, except)
  for _, id in ipairs(redis.call('SMEMBERS', prefix .. 'user:' .. user)) do
    if id ~= except and live(id) then return true end
  end
  return false
end
local function reap(dead, offline)
  redis.call('ZREM', instances, dead)
  local instanceKey = prefix .. 'instance:' .. dead
  for _, user in ipairs(redis.call('SMEMBERS', instanceKey)) do
    redis.call('SREM', prefix .. 'user:' .. user, dead)
    if not onlineElsewhere(user, dead) then offline[#offline + 1] = user end
  end
  redis.call('DEL', instanceKey)
  return offline
end
`;

/** ARGV: prefix, instance, users… → the users who were on no other live instance (came online). */
const CONNECT = `${LUA_COMMON}
local came = {}
for i = 3, #ARGV do
  local user = ARGV[i]
  if not onlineElsewhere(user, ARGV[2]) then came[#came + 1] = user end
  redis.call('SADD', prefix .. 'user:' .. user, ARGV[2])
  redis.call('SADD', prefix .. 'instance:' .. ARGV[2], user)
end
return came`;

/** ARGV: prefix, instance, users… → the users now on no live instance (went offline). */
const DISCONNECT = `${LUA_COMMON}
local gone = {}
for i = 3, #ARGV do
  local user = ARGV[i]
  redis.call('SREM', prefix .. 'user:' .. user, ARGV[2])
  redis.call('SREM', prefix .. 'instance:' .. ARGV[2], user)
  if not onlineElsewhere(user, ARGV[2]) then gone[#gone + 1] = user end
end
return gone`;

/**
 * ARGV: prefix, instance, ttlMs → { 1 if this instance was still registered (0: new, or reaped
 * as dead), the users of reaped instances now on no live instance }.
 */
const HEARTBEAT = `${LUA_COMMON}
local known = redis.call('ZSCORE', instances, ARGV[2])
redis.call('ZADD', instances, now + tonumber(ARGV[3]), ARGV[2])
local offline = {}
for _, dead in ipairs(redis.call('ZRANGEBYSCORE', instances, '-inf', now, 'LIMIT', 0, 100)) do
  reap(dead, offline)
end
return { known and 1 or 0, offline }`;

/** ARGV: prefix, instance → its users now on no live instance. */
const LEAVE = `${LUA_COMMON}
return reap(ARGV[2], {})`;

/** ARGV: prefix, users… → 1/0 per user. */
const ONLINE = `${LUA_COMMON}
local out = {}
for i = 2, #ARGV do out[#out + 1] = onlineElsewhere(ARGV[i], nil) and 1 or 0 end
return out`;

function createRedisPresence(
  client: RedisClient,
  prefix: string,
  bounded: <T>(what: string, p: Promise<T>) => Promise<T>,
  opts: { typingThrottleMs: number; log: FastifyBaseLogger },
): Presence {
  const keyPrefix = `${prefix}:presence:`;
  const instanceId = randomUUID();
  const instancesKey = `${keyPrefix}instances`;
  const run = async (script: string, args: string[]) =>
    (await bounded(
      "presence",
      client.eval(script, { keys: [instancesKey], arguments: [keyPrefix, ...args] }),
    )) as unknown;
  const users = async (script: string, ids: string[]) =>
    ids.length ? ((await run(script, [instanceId, ...ids])) as string[]) : [];

  // This instance's sockets per user; Redis only hears when a user's first/last socket here comes/goes.
  const local = new Map<string, number>();
  let watch: PresenceWatch | null = null;
  let ready: Promise<void> | null = null;
  let timer: NodeJS.Timeout | undefined;
  let beating: Promise<void> = Promise.resolve();
  // Announcements the heartbeat started; not awaited by it, awaited on close.
  const announcing = new Set<Promise<void>>();
  const notify = (w: PresenceWatch, userIds: string[], online: boolean) => {
    const p = w.onChange(userIds, online);
    announcing.add(p);
    void p.finally(() => announcing.delete(p));
  };

  async function heartbeat(w: PresenceWatch) {
    const [known, offline] = (await run(HEARTBEAT, [instanceId, String(w.ttlMs)])) as [number, string[]];
    if (!known && local.size) {
      // Taken for dead (a stall longer than the TTL) and reaped: register our users again.
      opts.log.warn({ instanceId, users: local.size }, "presence: this instance had been reaped; re-registering");
      const came = await users(CONNECT, [...local.keys()]);
      if (came.length) notify(w, came, true);
    }
    // Not awaited: announcing many users must not delay this instance's own next beat.
    if (offline.length) notify(w, offline, false);
  }

  return {
    start(w) {
      if (watch) throw new Error("presence already started");
      if (!(w.heartbeatMs > 0 && w.ttlMs > w.heartbeatMs)) {
        throw new Error("PRESENCE_TTL_MS must be longer than PRESENCE_HEARTBEAT_MS");
      }
      watch = w;
      const beat = () => {
        beating = heartbeat(w).catch((err) => opts.log.warn({ err }, "presence heartbeat failed"));
        return beating;
      };
      // Sockets wait for the first beat, so this instance is live before it counts anyone;
      // if Redis is down, a later beat registers it and its users.
      ready = beat();
      timer = setInterval(() => {
        // One beat at a time: a slow Redis must not pile them up.
        void beating.then(() => (timer ? beat() : undefined));
      }, w.heartbeatMs);
      timer.unref();
    },
    async socketConnected(userId) {
      if (!ready) throw new Error("presence not started");
      await ready;
      const n = (local.get(userId) ?? 0) + 1;
      local.set(userId, n);
      if (n > 1) return false;
      return (await users(CONNECT, [userId])).length > 0;
    },
    async socketDisconnected(userId) {
      if (!ready) throw new Error("presence not started");
      await ready;
      const n = (local.get(userId) ?? 1) - 1;
      if (n > 0) {
        local.set(userId, n);
        return false;
      }
      local.delete(userId);
      return (await users(DISCONNECT, [userId])).length > 0;
    },
    async onlineAmong(userIds) {
      if (userIds.length === 0) return new Set();
      try {
        const flags = (await run(ONLINE, [...userIds])) as number[];
        return new Set(userIds.filter((_, i) => flags[i] === 1));
      } catch (err) {
        // Redis away: answer what this instance knows (its own users), so lists and profiles still load.
        opts.log.warn({ err }, "presence: Redis unreachable, answering from this instance only");
        return new Set(userIds.filter((id) => local.has(id)));
      }
    },
    async shouldRelayTyping(userId, conversationId, typing) {
      const key = `${prefix}:typing:${userId}:${conversationId}`;
      const state = typing ? "1" : "0";
      // SET … GET returns the previous state atomically; the key expires after one interval.
      const previous = await bounded(
        "typing",
        client.set(key, state, { PX: Math.max(1, opts.typingThrottleMs), GET: true }),
      );
      return previous !== state;
    },
    async close() {
      clearInterval(timer);
      timer = undefined;
      await beating;
      await Promise.allSettled([...announcing]);
      if (!watch) return;
      // Graceful: leave at once rather than after the TTL. Sockets were closed and their
      // disconnects counted already; anyone still registered here goes offline now.
      let offline: string[];
      try {
        offline = (await run(LEAVE, [instanceId])) as string[];
      } catch (err) {
        // Redis away: the survivors take this instance for dead once its TTL runs out.
        opts.log.warn({ err }, "presence: could not leave on close");
        return;
      }
      if (offline.length) {
        await watch
          .onChange(offline, false)
          .catch((err) => opts.log.warn({ err }, "presence: announcing on close failed"));
      }
    },
  };
}

declare module "fastify" {
  interface FastifyInstance {
    /** null without REDIS_URL (one instance: everything in process memory). */
    redis: RedisInfra | null;
    presence: Presence;
    focus: FocusTracker;
  }
}

/**
 * Redis when REDIS_URL is set (shared presence, limits and socket rooms), and presence either way.
 * Closed after the socket server (whose adapter and last disconnects use it), before the database.
 */
export const redisPlugin = fp<{ config: Config; onSyncHint(): void }>(
  async (app, { config, onSyncHint }) => {
    const redis = config.REDIS_URL
      ? await connectRedis(config.REDIS_URL, config.REDIS_PREFIX, {
          typingThrottleMs: config.TYPING_THROTTLE_MS,
          commandTimeoutMs: config.REDIS_COMMAND_TIMEOUT_MS,
          heartbeatMs: config.PRESENCE_HEARTBEAT_MS,
          ttlMs: config.PRESENCE_TTL_MS,
          hintSpreadMs: config.SYNC_HINT_SPREAD_MS,
          onSyncHint,
          log: app.log,
        })
      : null;
    const presence = redis?.presence ?? createMemoryPresence(config.TYPING_THROTTLE_MS);
    app.decorate("redis", redis);
    app.decorate("presence", presence);
    const focus = redis?.focus ?? createMemoryFocus();
    app.decorate("focus", focus);
    app.addHook("onClose", async () => {
      await focus.close();
      await presence.close();
      await redis?.close();
    });
  },
  { name: "redis", dependencies: ["database"] },
);
