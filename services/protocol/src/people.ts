// The wire contract of people and administration: profiles, sessions, the sign-up policy, invites,
// the admin's user list and the audit log.
import { z } from "zod";
import { Id, Timestamp, User } from "./models.js";
import { Email, Password } from "./rest.js";
import { displayText, Emoji, text } from "./text.js";

/** An instant a client sends (ISO-8601 with offset). */
const Instant = z.iso.datetime({ offset: true });

// ---- sign-up policy ------------------------------------------------------------

/** `open`: anyone may register; `invite`: only with an invite code; `closed`: nobody (invites included). */
export const RegistrationPolicy = z.enum(["open", "invite", "closed"]);
export type RegistrationPolicy = z.infer<typeof RegistrationPolicy>;

const Domain = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9.-]+\.[a-z]{2,}$/, "a domain such as example.com");

export const WorkspaceSettings = z.object({
  registration: RegistrationPolicy,
  /** When not empty, accounts made without an invite need an email address of one of these domains. */
  allowedEmailDomains: z.array(z.string()),
  /** false: only company sign-in, except the owner's password (break-glass). */
  passwordLogin: z.boolean(),
});
export type WorkspaceSettings = z.infer<typeof WorkspaceSettings>;

/** `PUT /api/admin/settings`: the fields given change, the others stay. */
export const UpdateSettingsBody = z.object({
  registration: RegistrationPolicy.optional(),
  allowedEmailDomains: z.array(Domain).max(50).optional(),
  passwordLogin: z.boolean().optional(),
});
export type UpdateSettingsBody = z.infer<typeof UpdateSettingsBody>;

export const SettingsResponse = z.object({ settings: WorkspaceSettings });
export type SettingsResponse = z.infer<typeof SettingsResponse>;

/** `GET /api/auth/options` (no sign-in needed): what the login page offers. */
export const AuthOptionsResponse = z.object({
  registration: RegistrationPolicy,
  passwordLogin: z.boolean(),
  /** Company sign-in, when configured: the button's name and where it starts. */
  oidc: z.object({ displayName: z.string(), startUrl: z.string() }).nullable(),
});
export type AuthOptionsResponse = z.infer<typeof AuthOptionsResponse>;

// ---- invites ---------------------------------------------------------------------

export const InviteRole = z.enum(["admin", "member", "guest"]);
export type InviteRole = z.infer<typeof InviteRole>;

export const CreateWorkspaceInviteBody = z.object({
  email: Email.optional(),
  role: InviteRole.default("member"),
  expiresInHours: z
    .number()
    .int()
    .min(1)
    .max(24 * 90)
    .default(24 * 7),
});
export type CreateWorkspaceInviteBody = z.input<typeof CreateWorkspaceInviteBody>;
/** `CreateWorkspaceInviteBody` as the server reads it (defaults applied). */
export type CreateWorkspaceInvite = z.output<typeof CreateWorkspaceInviteBody>;

export const WorkspaceInvite = z.object({
  id: Id,
  email: z.string().nullable(),
  role: InviteRole,
  expiresAt: Timestamp,
  usedAt: Timestamp.nullable(),
  revokedAt: Timestamp.nullable(),
  createdAt: Timestamp,
});
export type WorkspaceInvite = z.infer<typeof WorkspaceInvite>;

/** The code is shown once, here; only its hash is kept. */
export const CreateWorkspaceInviteResponse = z.object({ code: z.string(), url: z.string(), invite: WorkspaceInvite });
export type CreateWorkspaceInviteResponse = z.infer<typeof CreateWorkspaceInviteResponse>;

export const WorkspaceInvitesResponse = z.object({ invites: z.array(WorkspaceInvite) });
export type WorkspaceInvitesResponse = z.infer<typeof WorkspaceInvitesResponse>;

// ---- admin: users and audit ---------------------------------------------------------

export const AdminUser = User.extend({ email: z.string().nullable(), createdAt: Timestamp });
export type AdminUser = z.infer<typeof AdminUser>;

export const AdminUsersQuery = z.object({
  q: text(64).default(""),
  cursor: text(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type AdminUsersQuery = z.infer<typeof AdminUsersQuery>;

export const AdminUsersResponse = z.object({ users: z.array(AdminUser), nextCursor: z.string().nullable() });
export type AdminUsersResponse = z.infer<typeof AdminUsersResponse>;

/** `PATCH /api/admin/users/:id`: the owner cannot be changed, nor can an admin change themselves. */
export const UpdateUserBody = z
  .object({ role: InviteRole.optional(), deactivated: z.boolean().optional() })
  .refine((b) => b.role !== undefined || b.deactivated !== undefined, { message: "give role or deactivated" });
export type UpdateUserBody = z.infer<typeof UpdateUserBody>;

export const AdminUserResponse = z.object({ user: AdminUser });
export type AdminUserResponse = z.infer<typeof AdminUserResponse>;

export const AuditAction = z.enum([
  "user_registered",
  "role_changed",
  "user_deactivated",
  "user_reactivated",
  "settings_changed",
  "invite_created",
  "invite_revoked",
  "login_failed",
  "password_changed",
  "sessions_revoked",
]);
export type AuditAction = z.infer<typeof AuditAction>;

export const AuditEntry = z.object({
  id: z.string(),
  at: Timestamp,
  action: AuditAction,
  actorId: Id.nullable(),
  targetUserId: Id.nullable(),
  ip: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

export const AuditQuery = z.object({
  cursor: z
    .string()
    .regex(/^\d{1,19}$/)
    .optional(),
  userId: Id.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type AuditQuery = z.infer<typeof AuditQuery>;

export const AuditResponse = z.object({ entries: z.array(AuditEntry), nextCursor: z.string().nullable() });
export type AuditResponse = z.infer<typeof AuditResponse>;

// ---- me: profile, password, sessions ----------------------------------------------------

const isTimeZone = (tz: string) => {
  try {
    new Intl.DateTimeFormat("en", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
};
export const TimeZone = z.string().max(64).refine(isTimeZone, { message: "an IANA time zone such as Europe/Madrid" });

export const StatusInput = z.object({
  emoji: Emoji.or(z.literal("")).default(""),
  text: displayText(100).or(z.literal("")).default(""),
  expiresAt: Instant.nullable().default(null),
});

/** `PATCH /api/me`: the fields given change; `status: null` clears it, `dndUntil: null` ends DND. */
export const UpdateMeBody = z.object({
  displayName: displayText(64).optional(),
  status: StatusInput.nullable().optional(),
  dndUntil: Instant.nullable().optional(),
  timeZone: TimeZone.nullable().optional(),
});
export type UpdateMeBody = z.input<typeof UpdateMeBody>;
/** `UpdateMeBody` as the server reads it (defaults applied). */
export type UpdateMe = z.output<typeof UpdateMeBody>;

export const ChangePasswordBody = z.object({ current: z.string().min(1).max(512), next: Password });
export type ChangePasswordBody = z.infer<typeof ChangePasswordBody>;

export const SessionInfo = z.object({
  id: Id,
  userAgent: z.string().nullable(),
  ip: z.string().nullable(),
  createdAt: Timestamp,
  lastUsedAt: Timestamp,
  /** The session of the request that asked. */
  current: z.boolean(),
});
export type SessionInfo = z.infer<typeof SessionInfo>;

export const SessionsResponse = z.object({ sessions: z.array(SessionInfo) });
export type SessionsResponse = z.infer<typeof SessionsResponse>;

export const SessionParams = z.object({ id: Id });
export const UserParams = z.object({ id: Id });

/** `user:updated`: someone who shares a conversation with the receiver changed (profile, status, role…). */
export type UserUpdatedEvent = User;
