import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";
import type { Config } from "./config.js";
import { rateLimited } from "./errors.js";

/** Makes a limiter of `points` per `durationSeconds` (Redis-backed when instances share limits). */
export type LimiterFactory = (name: string, points: number, durationSeconds: number) => RateLimiterAbstract;

export const memoryLimiter: LimiterFactory = (name, points, duration) =>
  new RateLimiterMemory({ keyPrefix: name, points, duration });

/** Every budget of chat-service, built once in buildApp. */
export function createLimits(shared: LimiterFactory, config: Config) {
  const perMinute = config.LOGIN_ATTEMPTS_PER_MINUTE;
  const quarterHour = 15 * 60;
  return {
    send: shared("send", config.SEND_RATE_PER_SECOND, 1),
    login: {
      /** One address guessing one account's password. */
      perUserAddress: shared("login-user-ip", perMinute, 60),
      /** One address spraying many accounts (an office behind one NAT shares it, hence ×10). */
      perAddress: shared("login-ip", perMinute * 10, 60),
      /** Failures of one account from everywhere: when spent, the account is under attack. */
      failuresPerUser: shared("login-user-fail", config.LOGIN_FAILURES_BEFORE_BACKOFF, quarterHour),
      /** While under attack: each address gets only a few tries for that account. */
      underAttack: shared("login-user-ip-strict", config.LOGIN_ATTEMPTS_UNDER_ATTACK, quarterHour),
    },
    registerPerAddress: shared("register-ip", config.REGISTRATIONS_PER_HOUR, 3600),
    groupsPerUser: shared("group-create", config.GROUPS_PER_HOUR, 3600),
    /** Invite codes tried (accepted or looked up) by one user. */
    inviteAttemptsPerUser: shared("invite-attempt", config.INVITE_ATTEMPTS_PER_HOUR, 3600),
    /** Public groups joined by one user: each join is a notice to every member, so join/leave cannot flood a channel. */
    joinsPerUser: shared("channel-join", 60, 3600),
    /** Push: devices turned on per user and hour, and test pushes per user and minute (each costs a push service a request). */
    pushSubscribe: shared("push-subscribe", 30, 3600),
    pushTest: shared("push-test", 5, 60),
    /** `client:focus` per socket: a tab flapping between windows must not cost Redis a write per flap. */
    focusChanges: memoryLimiter("client-focus", 20, 10),
    // Per instance on purpose: it guards every socket event, and a Redis round trip each would cost
    // the delivery path; a user's sockets live on one instance behind nginx's sticky upstream.
    socketEvents: memoryLimiter("socket-events", config.SOCKET_EVENTS_PER_SECOND, 1),
  };
}
export type Limits = ReturnType<typeof createLimits>;

/** Spends one point of `key`; a spent budget becomes `rate_limited` (a Redis failure stays an error). */
export async function spend(limiter: RateLimiterAbstract, key: string, message: string): Promise<void> {
  try {
    await limiter.consume(key);
  } catch (err) {
    if (err instanceof RateLimiterRes) throw rateLimited(message);
    throw err;
  }
}

/** Whether `key` has used up its budget, without spending any. */
export async function isSpent(limiter: RateLimiterAbstract, key: string): Promise<boolean> {
  const res = await limiter.get(key);
  return res !== null && res.remainingPoints <= 0;
}
