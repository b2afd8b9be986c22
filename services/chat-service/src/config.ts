import { assertProductionSecrets } from "@messenger/common";
import { z } from "zod";
import { assertPushConfig, PushConfig } from "./push/config.js";

const DEV_JWT_SECRET = "dev-insecure-secret";
const DEV_TURN_SECRET = "dev-turn-secret";
const DEV_JITSI_APP_SECRET = "dev-jitsi-secret";

const ConfigSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: z.string().default("0.0.0.0"),
  DATABASE_URL: z.string().default("postgres://postgres@127.0.0.1:5432/messenger"),
  JWT_SECRET: z.string().min(1).default(DEV_JWT_SECRET),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  /** When set, socket.io uses the Redis adapter so several instances share rooms. */
  REDIS_URL: z.string().optional(),
  /** Namespace of every Redis key and channel (instances of one deployment share it). */
  REDIS_PREFIX: z.string().min(1).default("messenger"),
  /** With Redis: every Redis command's deadline; past it the caller degrades (memory rate limit, no typing relay). */
  REDIS_COMMAND_TIMEOUT_MS: z.coerce.number().int().positive().default(1000),
  /** After events may have been lost across instances, clients spread their re-check over this long. */
  SYNC_HINT_SPREAD_MS: z.coerce.number().int().nonnegative().default(5000),
  TURN_SECRET: z.string().min(1).default(DEV_TURN_SECRET),
  /** Comma-separated `turn:`/`turns:` URLs handed to browsers. */
  TURN_URLS: z.string().default("turn:127.0.0.1:3478?transport=udp,turn:127.0.0.1:3478?transport=tcp"),
  TURN_TTL_SECONDS: z.coerce.number().int().positive().default(3600),
  JITSI_DOMAIN: z.string().default("meet.jit.si"),
  JITSI_APP_ID: z.string().default("staff-messenger"),
  JITSI_APP_SECRET: z.string().min(1).default(DEV_JITSI_APP_SECRET),
  /** Per-user message:send budget per second (burst); bounded so one client cannot flood a room. */
  SEND_RATE_PER_SECOND: z.coerce.number().int().positive().default(50),
  /** Login attempts per username from one address per minute (and ×10 per address over all usernames). */
  LOGIN_ATTEMPTS_PER_MINUTE: z.coerce.number().int().positive().default(10),
  /**
   * Failed logins of one username from all addresses per 15 minutes before it counts as under attack:
   * then each address gets only LOGIN_ATTEMPTS_UNDER_ATTACK tries per 15 minutes for it, so the owner's
   * correct password from their own address still passes while a spread-out guesser is slowed to a crawl.
   */
  LOGIN_FAILURES_BEFORE_BACKOFF: z.coerce.number().int().positive().default(30),
  LOGIN_ATTEMPTS_UNDER_ATTACK: z.coerce.number().int().positive().default(3),
  /** Accounts one address may register per hour. */
  REGISTRATIONS_PER_HOUR: z.coerce.number().int().positive().default(10),
  /** Groups one user may create per hour. */
  GROUPS_PER_HOUR: z.coerce.number().int().positive().default(30),
  /** Invite codes one user may try (accept or look up) per hour; codes are unguessable, this stops trying. */
  INVITE_ATTEMPTS_PER_HOUR: z.coerce.number().int().positive().default(30),
  /** Socket events of one user per second on one instance (all events but message:send, which has its own). */
  SOCKET_EVENTS_PER_SECOND: z.coerce.number().int().positive().default(100),
  /** Open sockets of one user on one instance; a new one closes the oldest beyond this. */
  SOCKETS_PER_USER: z.coerce.number().int().positive().default(20),
  /**
   * How stale "is this session/user still active" may be: HTTP requests use an answer this old at
   * most, and each instance re-checks its sockets this often (deactivated, deleted, logged out elsewhere).
   */
  SESSION_CHECK_MS: z.coerce.number().int().positive().default(5000),
  /** Only group admins may pin and unpin messages (otherwise every member may). */
  PINS_ADMINS_ONLY: z
    .enum(["true", "false", "1", "0"])
    .default("false")
    .transform((v) => v === "true" || v === "1"),
  /**
   * Who may create an account until an admin sets the policy (the stored setting then wins): `open`,
   * `invite` (only with an invite link) or `closed`. The very first account always registers and owns the workspace.
   */
  REGISTRATION: z.enum(["open", "invite", "closed"]).default("invite"),
  /** The address people open (https://chat.example.com): invite links and company sign-in redirects use it. */
  PUBLIC_URL: z.preprocess((v) => (v === "" ? undefined : v), z.url().optional()),
  /** Reverse proxies whose X-Forwarded-For is believed (addresses or CIDRs, comma-separated). */
  TRUSTED_PROXIES: z.string().default("127.0.0.1,::1"),
  /** Mark the access cookie Secure (set when served over HTTPS). */
  COOKIE_SECURE: z
    .enum(["true", "false", "1", "0"])
    .default("false")
    .transform((v) => v === "true" || v === "1"),
  /** Refresh token lifetime. */
  REFRESH_TTL_DAYS: z.coerce.number().int().positive().default(30),
  /** An unanswered call ends as "no-answer" after this long. */
  CALL_RING_TIMEOUT_MS: z.coerce.number().int().positive().default(45_000),
  /** A call participant whose sockets are all gone for this long ends the call as "disconnected". */
  CALL_DISCONNECT_GRACE_MS: z.coerce.number().int().positive().default(10_000),
  /** How long a started group meeting keeps its room (and "join" finds it). */
  MEETING_TTL_SECONDS: z.coerce.number().int().positive().default(28_800),
  /**
   * Above this many members a conversation is big: its members' read/delivered positions are
   * written once per receipt window, the list carries no member array for it, senders see
   * "seen by N" instead of per-person ticks, and typing is throttled per conversation.
   */
  BIG_CONVERSATION_MEMBERS: z.coerce.number().int().positive().default(50),
  /** In a big conversation: how long receipts gather before their one write (their acks wait for it). */
  BIG_CONVERSATION_RECEIPT_WINDOW_MS: z.coerce.number().int().positive().default(1000),
  /** In a big conversation: at most one relayed "typing" per this interval, whoever types. */
  BIG_CONVERSATION_TYPING_MS: z.coerce.number().int().nonnegative().default(3000),
  /** Minimum interval between relayed typing events per user and conversation. */
  TYPING_THROTTLE_MS: z.coerce.number().int().nonnegative().default(1000),
  /** With Redis: how often an instance renews its liveness and reaps dead instances' presence. */
  PRESENCE_HEARTBEAT_MS: z.coerce.number().int().positive().default(5000),
  /** With Redis: an instance silent this long is dead and its users go offline (> the heartbeat). */
  PRESENCE_TTL_MS: z.coerce.number().int().positive().default(15_000),
  ...PushConfig,
});

export type Config = z.infer<typeof ConfigSchema>;

/** Parses the environment once at boot; refuses to run production with a development secret. */
export function loadConfig(env: NodeJS.ProcessEnv | Record<string, string | undefined> = process.env): Config {
  const config = ConfigSchema.parse(env);
  if (config.NODE_ENV === "production") {
    assertProductionSecrets(
      {
        JWT_SECRET: config.JWT_SECRET,
        TURN_SECRET: config.TURN_SECRET,
        JITSI_APP_SECRET: config.JITSI_APP_SECRET,
      },
      { databaseUrl: config.DATABASE_URL },
    );
  }
  assertPushConfig(config);
  return config;
}
