import { z } from "zod";
import { ConversationKind, Id, Message, NotificationLevel, Timestamp, User, Visibility } from "./models.js";
import { Title } from "./rest.js";
import { Topic, text } from "./text.js";

// Channels (public and private groups), invite links, mentions and notification settings.

// ---- browse and join --------------------------------------------------------

/** `GET /api/channels?q=&cursor=`: public groups only (a private group never shows here, even to its members). */
export const ChannelsQuery = z.object({
  /** Matches title or topic (case-insensitive substring); empty lists all. */
  q: text(100).trim().default(""),
  cursor: text(300).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});
export type ChannelsQuery = z.infer<typeof ChannelsQuery>;

export const Channel = z.object({
  id: Id,
  title: z.string(),
  topic: z.string().nullable(),
  memberCount: z.number().int().nonnegative(),
  /** The caller is a member. */
  joined: z.boolean(),
});
export type Channel = z.infer<typeof Channel>;

/** Sorted by title; `nextCursor` is null on the last page. */
export const ChannelsResponse = z.object({ channels: z.array(Channel), nextCursor: z.string().nullable() });
export type ChannelsResponse = z.infer<typeof ChannelsResponse>;

// `POST /api/conversations/:id/join` → ConversationResponse (404 unless public; `archived` when archived).
// Leaving stays `DELETE /api/conversations/:id/members/:myId` (204).

// ---- settings ---------------------------------------------------------------

/** `PATCH /api/conversations/:id` (group admins; a member gets 403) → ConversationResponse. */
export const UpdateConversationBody = z
  .object({
    title: Title.optional(),
    topic: Topic.optional(),
    visibility: Visibility.optional(),
    archived: z.boolean().optional(),
  })
  .refine((b) => Object.values(b).some((v) => v !== undefined), { message: "nothing to change" });
export type UpdateConversationBody = z.input<typeof UpdateConversationBody>;

// ---- invite links -----------------------------------------------------------

export const INVITE_HOURS_MAX = 24 * 90;
export const INVITE_USES_MAX = 10_000;

/** `POST /api/conversations/:id/invites` (group admins). Without `expiresInHours` it lasts 7 days; without `maxUses`, any number. */
export const CreateInviteBody = z.object({
  expiresInHours: z.number().int().min(1).max(INVITE_HOURS_MAX).optional(),
  maxUses: z.number().int().min(1).max(INVITE_USES_MAX).optional(),
});
export type CreateInviteBody = z.infer<typeof CreateInviteBody>;

export const Invite = z.object({
  /** Unguessable (128 random bits, base64url). */
  code: z.string(),
  /** Where a person opens it: `<PUBLIC_URL>/invite/<code>` (a path when PUBLIC_URL is not set). */
  url: z.string(),
  expiresAt: Timestamp,
  maxUses: z.number().int().positive().nullable(),
  uses: z.number().int().nonnegative(),
});
export type Invite = z.infer<typeof Invite>;

/** 201 from POST …/invites: the new invite (`code`, `url`, `expiresAt`, `maxUses`, `uses`). */
export const InviteResponse = Invite;
export type InviteResponse = z.infer<typeof InviteResponse>;

/** `GET /api/conversations/:id/invites` (group admins): live invites, newest first. */
export const InvitesResponse = z.object({ invites: z.array(Invite) });
export type InvitesResponse = z.infer<typeof InvitesResponse>;

export const InviteCodeParams = z.object({ code: z.string().min(1).max(100) });
export const ConversationInviteParams = z.object({ id: Id, code: z.string().min(1).max(100) });

/** `GET /api/invites/:code`: what a person is about to join (404 for an expired, revoked or used-up code). */
export const InvitePreviewResponse = z.object({
  invite: z.object({
    conversationId: Id,
    title: z.string(),
    topic: z.string().nullable(),
    memberCount: z.number().int().nonnegative(),
    expiresAt: Timestamp,
    /** The caller is already a member (accepting changes nothing). */
    joined: z.boolean(),
  }),
});
export type InvitePreviewResponse = z.infer<typeof InvitePreviewResponse>;

// `POST /api/invites/:code/accept` → ConversationResponse (404 for expired, revoked or used-up codes; rate-limited).
// `DELETE /api/conversations/:id/invites/:code` → 204 (revoked; 404 when not one of this conversation's).

// ---- mentions ---------------------------------------------------------------

/** `GET /api/mentions?before=<cursor>`: my mentions across my conversations, newest first. */
export const MentionsQuery = z.object({
  before: text(300).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});
export type MentionsQuery = z.infer<typeof MentionsQuery>;

/** Enough of a conversation to label a mention (the client has the rest in its list). */
export const ConversationSummary = z.object({ id: Id, kind: ConversationKind, title: z.string().nullable() });
export type ConversationSummary = z.infer<typeof ConversationSummary>;

export const MentionsResponse = z.object({
  /** Newest first. */
  messages: z.array(Message),
  conversations: z.array(ConversationSummary),
  /** The messages' authors (also those no longer members). */
  users: z.array(User),
  /** Pass as `before` for older mentions; null when there are none. */
  nextCursor: z.string().nullable(),
});
export type MentionsResponse = z.infer<typeof MentionsResponse>;

// ---- notification settings --------------------------------------------------

/** `PUT /api/conversations/:id/notifications` → ConversationResponse; the caller's other devices get `conversation:notifications`. */
export const NotificationsBody = z.object({ level: NotificationLevel, muted: z.boolean() });
export type NotificationsBody = z.infer<typeof NotificationsBody>;
