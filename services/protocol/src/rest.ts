import { z } from "zod";
import { Attachment, Conversation, Id, Member, Message, Timestamp, User, Visibility } from "./models.js";
import { displayText, Topic, text } from "./text.js";

export const MESSAGE_BODY_MAX = 4000;
export const PAGE_LIMIT_DEFAULT = 50;
export const PAGE_LIMIT_MAX = 100;

export const Username = z.string().regex(/^[a-z0-9._-]{3,32}$/, "3–32 characters of a-z, 0-9, '.', '_' or '-'");
/** Length here; the server also refuses passwords that are easy to guess (error code `weak_password`). */
export const PASSWORD_MIN = 10;
export const Password = z.string().min(PASSWORD_MIN, `at least ${PASSWORD_MIN} characters`).max(512);
export const DisplayName = displayText(64);
export const Email = z.email().max(254);
export const Title = displayText(100);

// ---- auth -------------------------------------------------------------------

export const RegisterBody = z.object({
  username: Username,
  password: Password,
  displayName: DisplayName.optional(),
  /** From an invite link (`?invite=<code>`); needed when registration is by invitation. */
  inviteCode: z.string().min(1).max(200).optional(),
  /** Needed when the workspace limits sign-up to some email domains (and no invite names one). */
  email: Email.optional(),
});
export type RegisterBody = z.infer<typeof RegisterBody>;

export const LoginBody = z.object({
  username: text(64).min(1),
  password: z.string().min(1).max(512),
});
export type LoginBody = z.infer<typeof LoginBody>;

export const RefreshBody = z.object({ refreshToken: z.string().min(1).max(512) });
export type RefreshBody = z.infer<typeof RefreshBody>;

export const LogoutBody = z.object({ refreshToken: z.string().min(1).max(512).optional() });
export type LogoutBody = z.infer<typeof LogoutBody>;

export const Tokens = z.object({ accessToken: z.string(), refreshToken: z.string() });
export type Tokens = z.infer<typeof Tokens>;

export const AuthResponse = Tokens.extend({ user: User });
export type AuthResponse = z.infer<typeof AuthResponse>;

// ---- users ------------------------------------------------------------------

/** What only the user sees about themselves, beside the User everyone sees. */
export const OwnProfile = z.object({ email: z.string().nullable(), dndUntil: Timestamp.nullable() });
export type OwnProfile = z.infer<typeof OwnProfile>;

export const MeResponse = z.object({ user: User, profile: OwnProfile });
export type MeResponse = z.infer<typeof MeResponse>;

export const UsersQuery = z.object({ q: text(64).default("") });
export type UsersQuery = z.infer<typeof UsersQuery>;

export const USERS_LOOKUP_MAX = 100;

/** `GET /api/users/lookup?ids=<id>,<id>`: people by id (authors in a big group whose members the client has not paged). */
export const UsersLookupQuery = z.object({
  ids: z
    .string()
    .max(USERS_LOOKUP_MAX * 37)
    .transform((s) => [...new Set(s.split(",").filter(Boolean))])
    .pipe(z.array(Id).min(1).max(USERS_LOOKUP_MAX)),
});
export type UsersLookupQuery = z.infer<typeof UsersLookupQuery>;

export const UsersResponse = z.object({ users: z.array(User) });
export type UsersResponse = z.infer<typeof UsersResponse>;

// ---- conversations ----------------------------------------------------------

export const CreateConversationBody = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("direct"), userId: Id }),
  z.object({
    kind: z.literal("group"),
    title: Title,
    memberIds: z.array(Id).max(500),
    visibility: Visibility.default("private"),
    topic: Topic.default(null),
  }),
]);
/** What a client sends (visibility and topic may be left out). */
export type CreateConversationBody = z.input<typeof CreateConversationBody>;

export const ConversationParams = z.object({ id: Id });
export const MemberParams = z.object({ id: Id, userId: Id });

export const AddMembersBody = z.object({ userIds: z.array(Id).min(1).max(500) });
export type AddMembersBody = z.infer<typeof AddMembersBody>;

export const MEMBERS_PAGE_MAX = 200;

/** `GET /api/conversations/:id/members?cursor=&limit=`: members in the order they joined. */
export const MembersQuery = z.object({
  cursor: text(200).optional(),
  limit: z.coerce.number().int().min(1).max(MEMBERS_PAGE_MAX).default(100),
});
export type MembersQuery = z.infer<typeof MembersQuery>;

export const MembersResponse = z.object({ members: z.array(Member), nextCursor: z.string().nullable() });
export type MembersResponse = z.infer<typeof MembersResponse>;

export const MessageParams = z.object({ id: Id, messageId: Id });

/** `GET /api/conversations/:id/messages/:messageId/receipts?status=&cursor=&limit=`: who has read (or received) it. */
export const ReceiptsQuery = z.object({
  status: z.enum(["read", "delivered"]).default("read"),
  cursor: text(200).optional(),
  limit: z.coerce.number().int().min(1).max(MEMBERS_PAGE_MAX).default(50),
});
export type ReceiptsQuery = z.infer<typeof ReceiptsQuery>;

/**
 * Members other than the sender who have read (`readCount`) or received (`deliveredCount`, readers
 * included) the message; `users` is a page of those of the asked `status`, in join order.
 */
export const MessageReceiptsResponse = z.object({
  readCount: z.number().int().nonnegative(),
  deliveredCount: z.number().int().nonnegative(),
  users: z.array(User),
  nextCursor: z.string().nullable(),
});
export type MessageReceiptsResponse = z.infer<typeof MessageReceiptsResponse>;

export const ConversationResponse = z.object({ conversation: Conversation });
export type ConversationResponse = z.infer<typeof ConversationResponse>;

export const ConversationsResponse = z.object({ conversations: z.array(Conversation) });
export type ConversationsResponse = z.infer<typeof ConversationsResponse>;

const Seq = z.coerce.number().int().nonnegative();

export const MessagesQuery = z
  .object({
    before: Seq.optional(),
    after: Seq.optional(),
    limit: z.coerce.number().int().min(1).max(PAGE_LIMIT_MAX).default(PAGE_LIMIT_DEFAULT),
  })
  .refine((q) => q.before === undefined || q.after === undefined, {
    message: "use either before or after, not both",
  });
export type MessagesQuery = z.infer<typeof MessagesQuery>;

/** `messages` ascending by seq; `hasMore` = there are more in the paging direction. */
/** `users`: the authors and the users system messages name, also those who are no longer members. */
export const MessagesResponse = z.object({ messages: z.array(Message), hasMore: z.boolean(), users: z.array(User) });
export type MessagesResponse = z.infer<typeof MessagesResponse>;

export const SearchQuery = z.object({
  q: text(200).trim().min(1),
  conversationId: Id.optional(),
});
export type SearchQuery = z.infer<typeof SearchQuery>;

/** Newest first; `users`: the authors; `terms`: the words and stems matched, for highlighting (see rich.ts). */
export const SearchResponse = z.object({
  messages: z.array(Message),
  users: z.array(User),
  terms: z.array(z.string()).optional(),
});
export type SearchResponse = z.infer<typeof SearchResponse>;

// ---- media (media-service) --------------------------------------------------

/** `POST /api/media` is multipart: field `conversationId`, then field `file`. */
export const UploadResponse = z.object({ attachment: Attachment });
export type UploadResponse = z.infer<typeof UploadResponse>;

// ---- calls ------------------------------------------------------------------

export const IceServer = z.object({
  urls: z.array(z.string()),
  username: z.string().optional(),
  credential: z.string().optional(),
});
export type IceServer = z.infer<typeof IceServer>;

export const IceServersResponse = z.object({
  iceServers: z.array(IceServer),
  ttlSeconds: z.number().int().positive(),
});
export type IceServersResponse = z.infer<typeof IceServersResponse>;

export const MeetingResponse = z.object({
  domain: z.string(),
  roomName: z.string(),
  url: z.string(),
  jwt: z.string(),
  expiresAt: z.string(),
});
export type MeetingResponse = z.infer<typeof MeetingResponse>;
