import { createAdapter } from "@socket.io/redis-adapter";
import type { FastifyBaseLogger } from "fastify";
import { type RateLimiterAbstract, RateLimiterRedis } from "rate-limiter-flexible";
import { createClient } from "redis";
import type { Presence } from "../domain/presence.js";
import type { ChatServer } from "../realtime/hub.js";

type RedisClient = ReturnType<typeof createClient>;

/**
 * With REDIS_URL, several chat-service instances behave as one: socket.io rooms and
 * broadcasts go through the Redis adapter, and presence counts, typing throttles and
 * rate limits live in Redis instead of process memory.
 */
export interface RedisInfra {
  presence: Presence;
  sendLimiter: RateLimiterAbstract;
  loginLimiters: { perUser: RateLimiterAbstract; perIp: RateLimiterAbstract };
  close(): Promise<void>;
}

export async function connectRedis(
  url: string,
  prefix: string,
  io: ChatServer,
  opts: { typingThrottleMs: number; sendPerSecond: number; loginPerMinute: number; log: FastifyBaseLogger },
): Promise<RedisInfra> {
  const client: RedisClient = createClient({ url });
  const pub = client.duplicate();
  const sub = client.duplicate();
  for (const c of [client, pub, sub]) c.on("error", (err) => opts.log.warn({ err }, "redis error"));
  await Promise.all([client.connect(), pub.connect(), sub.connect()]);
  io.adapter(createAdapter(pub, sub, { key: `${prefix}:socket.io` }));

  const presenceKey = (userId: string) => `${prefix}:presence:${userId}`;
  const presence: Presence = {
    // A counter per user across instances (a crashed instance leaves its sockets counted
    // until the user's next disconnect brings the count to zero).
    async socketConnected(userId) {
      return (await client.incr(presenceKey(userId))) === 1;
    },
    async socketDisconnected(userId) {
      const n = await client.decr(presenceKey(userId));
      if (n <= 0) await client.del(presenceKey(userId));
      return n <= 0;
    },
    async onlineAmong(userIds) {
      if (userIds.length === 0) return new Set();
      const counts = await client.mGet(userIds.map(presenceKey));
      return new Set(userIds.filter((_, i) => Number(counts[i] ?? 0) > 0));
    },
    async shouldRelayTyping(userId, conversationId, typing) {
      const key = `${prefix}:typing:${userId}:${conversationId}`;
      const state = typing ? "1" : "0";
      // SET … GET returns the previous state atomically; the key expires after one interval.
      const previous = await client.set(key, state, { PX: Math.max(1, opts.typingThrottleMs), GET: true });
      return previous !== state;
    },
    async close() {},
  };

  const limiter = (keyPrefix: string, points: number, duration: number) =>
    new RateLimiterRedis({
      storeClient: client,
      useRedisPackage: true,
      keyPrefix: `${prefix}:${keyPrefix}`,
      points,
      duration,
    });

  return {
    presence,
    sendLimiter: limiter("send", opts.sendPerSecond, 1),
    loginLimiters: {
      perUser: limiter("login-user", opts.loginPerMinute, 60),
      perIp: limiter("login-ip", opts.loginPerMinute * 10, 60),
    },
    async close() {
      await Promise.allSettled([client.quit(), pub.quit(), sub.quit()]);
    },
  };
}
