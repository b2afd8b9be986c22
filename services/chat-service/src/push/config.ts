import { z } from "zod";

const bool = z
  .enum(["true", "false", "1", "0"])
  .default("false")
  .transform((v) => v === "true" || v === "1");

/** Web Push settings (spread into config.ts's schema). */
export const PushConfig = {
  /**
   * The VAPID key pair (base64url, as `web-push generate-vapid-keys` prints). Unset: one is made on
   * first start and kept in the database, so every instance signs with the same key. Changing it
   * invalidates every browser's subscription (they subscribe again when the app next opens).
   */
  VAPID_PUBLIC_KEY: z.string().optional(),
  VAPID_PRIVATE_KEY: z.string().optional(),
  /** Who push services contact about our traffic: a `mailto:` or `https:` URL (Apple refuses localhost). */
  VAPID_SUBJECT: z.string().default("mailto:admin@example.invalid"),
  /** What a notification shows: the message text (`full`), only who wrote (`sender`), or just "New message" (`none`). */
  PUSH_PAYLOAD: z.enum(["full", "sender", "none"]).default("full"),
  /** Messages to one conversation within this window become one notification. */
  PUSH_COLLAPSE_MS: z.coerce.number().int().nonnegative().default(1000),
  /** Pushes waiting to be handed to push services; past it new ones are dropped (and counted). */
  PUSH_QUEUE_MAX: z.coerce.number().int().positive().default(10_000),
  /** Requests to push services in flight at once. */
  PUSH_CONCURRENCY: z.coerce.number().int().positive().default(16),
  /** Deadline of one request to a push service. */
  PUSH_TIMEOUT_MS: z.coerce.number().int().positive().default(5000),
  /** How long a push service keeps an undelivered message notification (seconds). */
  PUSH_TTL_SECONDS: z.coerce.number().int().nonnegative().default(86_400),
  /**
   * Accept push endpoints on loopback and private addresses. Off: a subscription may only name a
   * public https host, so the server cannot be made to POST into its own network. Tests only.
   */
  PUSH_ALLOW_PRIVATE_ENDPOINTS: bool,
};

/** A key pair given by the environment must be whole and well-formed. */
export function assertPushConfig(config: {
  VAPID_PUBLIC_KEY?: string;
  VAPID_PRIVATE_KEY?: string;
  VAPID_SUBJECT: string;
  NODE_ENV: string;
  PUSH_ALLOW_PRIVATE_ENDPOINTS: boolean;
}): void {
  const { VAPID_PUBLIC_KEY: pub, VAPID_PRIVATE_KEY: priv } = config;
  if (!!pub !== !!priv) throw new Error("set both VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY, or neither");
  const bytes = (s: string) => (/^[A-Za-z0-9_-]+$/.test(s) ? Buffer.from(s, "base64url").length : -1);
  if (pub && bytes(pub) !== 65) throw new Error("VAPID_PUBLIC_KEY must be a base64url P-256 public key (65 bytes)");
  if (priv && bytes(priv) !== 32) throw new Error("VAPID_PRIVATE_KEY must be a base64url P-256 private key (32 bytes)");
  if (!/^(mailto:|https:\/\/)/.test(config.VAPID_SUBJECT)) {
    throw new Error("VAPID_SUBJECT must be a mailto: or https: URL");
  }
  if (config.NODE_ENV === "production" && config.PUSH_ALLOW_PRIVATE_ENDPOINTS) {
    throw new Error("PUSH_ALLOW_PRIVATE_ENDPOINTS is for tests: production only pushes to public hosts");
  }
}
