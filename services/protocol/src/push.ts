// Web Push: the REST bodies, the focus event and the payload the service worker receives.
import { z } from "zod";
import type { Id } from "./models.js";

/** Push subscriptions one user may keep (one per browser profile / device). */
export const PUSH_SUBSCRIPTIONS_PER_USER = 20;

/** base64url without padding, as `PushSubscription.toJSON().keys` gives it. */
const base64url = (min: number, max: number) =>
  z
    .string()
    .min(min)
    .max(max)
    .regex(/^[A-Za-z0-9_-]+=*$/, "base64url");

/** `POST /api/push/subscriptions`: what `PushSubscription.toJSON()` gives (expirationTime is ignored). */
export const PushSubscriptionBody = z.object({
  endpoint: z.url({ protocol: /^https?$/ }).max(2048),
  // p256dh: an uncompressed P-256 point (65 bytes → 87 chars); auth: 16 bytes (22 chars).
  keys: z.object({ p256dh: base64url(80, 100), auth: base64url(16, 32) }),
  expirationTime: z.number().nullable().optional(),
  /** The app's language on this device: the words around the message in its notifications. */
  lang: z.enum(["en", "es"]).optional(),
});
export type PushSubscriptionBody = z.infer<typeof PushSubscriptionBody>;

/** `DELETE /api/push/subscriptions` (this device's subscription). */
export const PushUnsubscribeBody = z.object({ endpoint: z.string().min(1).max(2048) });
export type PushUnsubscribeBody = z.infer<typeof PushUnsubscribeBody>;

/** `GET /api/push/key`: the VAPID public key for `pushManager.subscribe({ applicationServerKey })`. */
export interface PushKeyResponse {
  publicKey: string;
}

/** `POST /api/push/test` → how many of my devices the test push was handed to. */
export interface PushTestResponse {
  sent: number;
}

/** `client:focus`: this tab is (or is no longer) in the foreground; while one is, nothing is pushed. */
export const ClientFocusPayload = z.object({ focused: z.boolean() });
export type ClientFocusPayload = z.infer<typeof ClientFocusPayload>;

/**
 * The decrypted payload the service worker receives. `tag` is one per conversation (or call), so
 * later pushes replace earlier ones; `close` asks it to close the notification with that tag (read
 * on another device, or a call that stopped ringing). Never carries attachment URLs.
 */
export type PushPayload =
  | {
      type: "message";
      tag: string;
      conversationId: Id;
      title: string;
      body: string;
      /** How many new messages this notification stands for. */
      count: number;
      /** Where a click opens the app. */
      url: string;
      /** The user's total unread (for the app badge), when known. */
      badge?: number;
    }
  | { type: "call"; tag: string; conversationId: Id; callId: Id; title: string; body: string; url: string }
  | { type: "close"; tag: string; badge?: number }
  | { type: "test"; tag: string; title: string; body: string; url: string };

/** The tag of a conversation's notification (one per conversation on each device). */
export const pushTagOfConversation = (conversationId: string) => `conv:${conversationId}`;
export const pushTagOfCall = (callId: string) => `call:${callId}`;
