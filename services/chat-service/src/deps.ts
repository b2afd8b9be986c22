import type { MeetingService } from "./calls/meetings.js";
import type { CallService } from "./calls/service.js";
import type { CoreDeps } from "./core-deps.js";
import type { AccountService } from "./domain/account.js";
import type { AdminService } from "./domain/admin.js";
import type { AuthService } from "./domain/auth.js";
import type { ChannelService } from "./domain/channels.js";
import type { ConversationService } from "./domain/conversations.js";
import type { InviteService } from "./domain/invites.js";
import type { MentionService } from "./domain/mentions.js";
import type { MessageService } from "./domain/messages.js";
import type { PinService } from "./domain/pins.js";
import type { ReceiptService } from "./domain/receipts.js";
import type { SearchService } from "./domain/search.js";
import type { ThreadService } from "./domain/threads.js";
import type { WorkspaceService } from "./domain/workspace.js";
import type { PushModule } from "./push/module.js";

export type { CoreDeps } from "./core-deps.js";

/**
 * Everything a route plugin or socket handler factory may use; built once in
 * buildApp (no module-level singletons). `messages.send(..., { kind: "call", call })`
 * posts a call-log message with the same guarantees as a user's message.
 */
export interface AppDeps extends CoreDeps {
  auth: AuthService;
  conversations: ConversationService;
  messages: MessageService;
  receipts: ReceiptService;
  threads: ThreadService;
  pins: PinService;
  search: SearchService;
  push: PushModule;
  calls: CallService;
  meetings: MeetingService;
  /** Browse/join, an admin's PATCH (with its system messages), notification settings. */
  channels: ChannelService;
  channelInvites: InviteService;
  mentions: MentionService;
  /** The sign-up policy and workspace settings. */
  workspace: WorkspaceService;
  /** A person's own profile, password and devices; `publishUser` tells their contacts of a change. */
  account: AccountService;
  /** The admin console: users, roles, deactivation, settings, invites, audit log. */
  admin: AdminService;
}
