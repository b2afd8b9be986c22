import { z } from "zod";
import type { MeetingIdPayload, MeetingSignalEvent, MeetingSignalPayload, MeetingUpdatedEvent } from "./meetings.js";
import { type ApiError, type Conversation, Id, type Message, NotificationSettings, User } from "./models.js";
import type { ClientFocusPayload } from "./push.js";
import { MESSAGE_BODY_MAX } from "./rest.js";
import { SignalData } from "./signal.js";
import { Emoji, text } from "./text.js";

/** Every client → server event is acknowledged with one of these. */
export type Ack<T extends object = object> = ({ ok: true } & T) | { ok: false; error: ApiError };
export type AckFn<T extends object = object> = (ack: Ack<T>) => void;

const Seq = z.number().int().nonnegative();
export const ClientId = text(64).min(1);
/**
 * A message's text. Over the limit it is refused with `too_long` (never cut), so the sender keeps
 * what they wrote and can split it.
 */
export const MessageText = text(Number.MAX_SAFE_INTEGER).refine((s) => s.length <= MESSAGE_BODY_MAX, {
  message: `must be at most ${MESSAGE_BODY_MAX} characters`,
  params: { code: "too_long" },
});
export const MessageBody = MessageText.refine((s) => s.length > 0, { message: "must not be empty" });

// ---- client → server payloads -----------------------------------------------

export const MessageSendPayload = z
  .object({
    conversationId: Id,
    clientId: ClientId,
    body: MessageText.default(""),
    attachmentIds: z.array(Id).max(10).default([]),
    replyToId: Id.nullish(),
    /** A reply in the thread of this top-level message of the same conversation. */
    threadRootId: Id.nullish(),
    /** A thread reply that also shows in the conversation's timeline. */
    alsoToConversation: z.boolean().optional(),
  })
  // A message carries text, attachments, or both.
  .refine((p) => p.body.trim().length > 0 || p.attachmentIds.length > 0, {
    message: `body must be 1–${MESSAGE_BODY_MAX} characters (or attach a file)`,
    path: ["body"],
  });
export type MessageSendPayload = z.input<typeof MessageSendPayload>;

export const MessageEditPayload = z.object({ messageId: Id, body: MessageBody });
export type MessageEditPayload = z.infer<typeof MessageEditPayload>;

export const MessageDeletePayload = z.object({ messageId: Id });
export type MessageDeletePayload = z.infer<typeof MessageDeletePayload>;

/** Distinct emoji on one message; a new one beyond this is refused with `too_many`. */
export const REACTIONS_PER_MESSAGE_MAX = 50;

export const MessageReactPayload = z.object({
  messageId: Id,
  emoji: Emoji,
  on: z.boolean(),
});
export type MessageReactPayload = z.infer<typeof MessageReactPayload>;

export const ReceiptPayload = z.object({ conversationId: Id, seq: Seq });
export type ReceiptPayload = z.infer<typeof ReceiptPayload>;

export const TypingPayload = z.object({ conversationId: Id, typing: z.boolean() });
export type TypingPayload = z.infer<typeof TypingPayload>;

// WebRTC signal data lives in signal.ts, shared with meetings.ts without an import circle.
export { SIGNAL_MAX_BYTES, SignalData } from "./signal.js";

export const CallInvitePayload = z.object({ callId: Id, conversationId: Id, video: z.boolean() });
export type CallInvitePayload = z.infer<typeof CallInvitePayload>;

export const CallIdPayload = z.object({ callId: Id });
export type CallIdPayload = z.infer<typeof CallIdPayload>;

/** `failed`: this side could not connect (no media path); the other side is told the same. */
export const CallEndPayload = z.object({ callId: Id, reason: z.enum(["failed"]).optional() });
export type CallEndPayload = z.infer<typeof CallEndPayload>;

export const CallSignalPayload = z.object({ callId: Id, data: SignalData });
export type CallSignalPayload = z.infer<typeof CallSignalPayload>;

/** A fresh access token for an open socket (sent after every refresh), so it is not closed at the old one's expiry. */
export const AuthRefreshPayload = z.object({ token: z.string().min(1).max(4096) });
export type AuthRefreshPayload = z.infer<typeof AuthRefreshPayload>;

// ---- server → client payloads -----------------------------------------------

export const ReceiptKind = z.enum(["delivered", "read"]);
export type ReceiptKind = z.infer<typeof ReceiptKind>;

export const ReceiptEvent = z.object({
  conversationId: Id,
  userId: Id,
  kind: ReceiptKind,
  seq: Seq,
});
export type ReceiptEvent = z.infer<typeof ReceiptEvent>;

export const TypingEvent = z.object({ conversationId: Id, userId: Id, typing: z.boolean() });
export type TypingEvent = z.infer<typeof TypingEvent>;

export const PresenceEvent = z.object({
  userId: Id,
  online: z.boolean(),
  lastSeenAt: z.string().nullable(),
});
export type PresenceEvent = z.infer<typeof PresenceEvent>;

export const ConversationRemovedEvent = z.object({ conversationId: Id });
export type ConversationRemovedEvent = z.infer<typeof ConversationRemovedEvent>;

/** The user changed a conversation's notification settings (sent to all of that user's devices). */
export const NotificationsEvent = z.object({ conversationId: Id, notifications: NotificationSettings });
export type NotificationsEvent = z.infer<typeof NotificationsEvent>;

export const CallIncomingEvent = z.object({
  callId: Id,
  conversationId: Id,
  from: User,
  video: z.boolean(),
});
export type CallIncomingEvent = z.infer<typeof CallIncomingEvent>;

export const CallAcceptedEvent = z.object({
  callId: Id,
  by: Id,
  /** The server decides who creates the offer, so there is never glare. */
  initiator: z.boolean(),
});
export type CallAcceptedEvent = z.infer<typeof CallAcceptedEvent>;

export const CallSignalEvent = z.object({ callId: Id, from: Id, data: z.record(z.string(), z.unknown()) });
export type CallSignalEvent = z.infer<typeof CallSignalEvent>;

export const CallEndReason = z.enum([
  "hangup",
  "declined",
  "busy",
  "no-answer",
  "disconnected",
  "answered-elsewhere",
  "cancelled",
  /** The callee had no connected device: the call never rang (a missed call for both). */
  "offline",
  /** One side found no media path (ICE failed or never started, e.g. TURN refusing it). */
  "failed",
]);
export type CallEndReason = z.infer<typeof CallEndReason>;

export const CallEndedEvent = z.object({ callId: Id, reason: CallEndReason });
export type CallEndedEvent = z.infer<typeof CallEndedEvent>;

export const MeetingStartedEvent = z.object({
  conversationId: Id,
  /** The Jitsi room's address (no token in it); absent for the built-in mesh call. */
  url: z.string().optional(),
  startedBy: Id,
  provider: z.enum(["mesh", "jitsi"]),
  meetingId: Id,
});
export type MeetingStartedEvent = z.infer<typeof MeetingStartedEvent>;

/**
 * Events of some conversations may not have reached this socket (the servers lost touch with
 * each other for a while). The client re-reads the conversation list and fetches what it lacks
 * (`lastSeq` above what it has), starting at a random moment within `spreadMs` so that every
 * client of the deployment does not ask at once.
 */
export const SyncHintEvent = z.object({ spreadMs: z.number().int().nonnegative() });
export type SyncHintEvent = z.infer<typeof SyncHintEvent>;

// ---- typed maps for socket.io -----------------------------------------------

export interface ClientToServerEvents {
  "auth:refresh": (p: AuthRefreshPayload, ack: AckFn) => void;
  "message:send": (p: MessageSendPayload, ack: AckFn<{ message: Message }>) => void;
  "message:edit": (p: MessageEditPayload, ack: AckFn<{ message: Message }>) => void;
  "message:delete": (p: MessageDeletePayload, ack: AckFn<{ message: Message }>) => void;
  "message:react": (p: MessageReactPayload, ack: AckFn<{ message: Message }>) => void;
  "conversation:delivered": (p: ReceiptPayload, ack: AckFn) => void;
  "conversation:read": (p: ReceiptPayload, ack: AckFn) => void;
  typing: (p: TypingPayload, ack?: AckFn) => void;
  "call:invite": (p: CallInvitePayload, ack: AckFn) => void;
  "call:accept": (p: CallIdPayload, ack: AckFn<{ initiator: boolean }>) => void;
  "call:decline": (p: CallIdPayload, ack: AckFn) => void;
  "call:signal": (p: CallSignalPayload, ack: AckFn) => void;
  "call:end": (p: CallEndPayload, ack: AckFn) => void;
  "meeting:signal": (p: MeetingSignalPayload, ack: AckFn) => void;
  "meeting:leave": (p: MeetingIdPayload, ack: AckFn) => void;
  /** This tab came to the foreground or left it (push.ts); the ack is optional. */
  "client:focus": (p: ClientFocusPayload, ack?: AckFn) => void;
}

export interface ServerToClientEvents {
  "message:new": (m: Message) => void;
  "message:updated": (m: Message) => void;
  receipt: (e: ReceiptEvent) => void;
  typing: (e: TypingEvent) => void;
  presence: (e: PresenceEvent) => void;
  /**
   * A conversation appeared for the receiver (created, joined here or on another device, added) or
   * changed (title, topic, visibility, archived, members).
   */
  "conversation:updated": (c: Conversation) => void;
  "conversation:notifications": (e: NotificationsEvent) => void;
  /** The receiver is no longer a member (left or removed). */
  "conversation:removed": (e: ConversationRemovedEvent) => void;
  "call:incoming": (e: CallIncomingEvent) => void;
  "call:accepted": (e: CallAcceptedEvent) => void;
  "call:signal": (e: CallSignalEvent) => void;
  "call:ended": (e: CallEndedEvent) => void;
  "meeting:started": (e: MeetingStartedEvent) => void;
  "meeting:updated": (e: MeetingUpdatedEvent) => void;
  "meeting:signal": (e: MeetingSignalEvent) => void;
  "sync:hint": (e: SyncHintEvent) => void;
  /** Someone who shares a conversation with the receiver (or the receiver) changed profile, status or role. */
  "user:updated": (u: User) => void;
}

/** Socket.io handshake: `io(url, { auth: { token: accessToken } })`. */
export const HandshakeAuth = z.object({ token: z.string().min(1) });

/** `connect_error` message for a missing, bad or expired token. */
export const UNAUTHORIZED = "unauthorized";

/** What a handler of client event `E` answers with on success (the `T` of its `AckFn<T>`). */
export type AckPayload<E extends keyof ClientToServerEvents> = ClientToServerEvents[E] extends (
  p: never,
  ack: AckFn<infer T>,
) => void
  ? T
  : ClientToServerEvents[E] extends (p: never, ack?: AckFn<infer T>) => void
    ? T
    : never;
