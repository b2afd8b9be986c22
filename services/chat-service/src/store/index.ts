import type { Queryable } from "@messenger/common";
import { createAttachmentStore } from "./attachments.js";
import { createAuditStore } from "./audit.js";
import { createChannelStore } from "./channels.js";
import { createConversationInviteStore } from "./conversation-invites.js";
import { createConversationStore } from "./conversations.js";
import { createInviteStore } from "./invites.js";
import { createMentionStore } from "./mentions.js";
import { createMessageStore } from "./messages.js";
import { createPeopleStore } from "./people.js";
import { createPinStore } from "./pins.js";
import { createPositionStore } from "./positions.js";
import { createRefreshTokenStore } from "./refresh-tokens.js";
import { createSearchStore } from "./search.js";
import { createSessionStore } from "./sessions.js";
import { createSystemMessageStore } from "./system-messages.js";
import { createThreadStore } from "./threads.js";
import { createUserStore } from "./users.js";
import { createWorkspaceStore } from "./workspace.js";

export function createStores(db: Queryable) {
  return {
    users: createUserStore(db),
    refreshTokens: createRefreshTokenStore(db),
    sessions: createSessionStore(db),
    conversations: createConversationStore(db),
    messages: createMessageStore(db),
    attachments: createAttachmentStore(db),
    positions: createPositionStore(db),
    channels: createChannelStore(db),
    systemMessages: createSystemMessageStore(db),
    mentions: createMentionStore(db),
    conversationInvites: createConversationInviteStore(db),
    threads: createThreadStore(db),
    pins: createPinStore(db),
    search: createSearchStore(db),
    people: createPeopleStore(db),
    workspace: createWorkspaceStore(db),
    invites: createInviteStore(db),
    audit: createAuditStore(db),
  };
}
export type Stores = ReturnType<typeof createStores>;

export type { AttachmentStore } from "./attachments.js";
export type { AuditRecord, AuditRow } from "./audit.js";
export type { ChannelRow, GroupChanges } from "./channels.js";
export type { ConversationInviteRow } from "./conversation-invites.js";
export type {
  ConversationRow,
  ConversationStore,
  MemberRow,
  MovedPosition,
  PositionResult,
  PositionTarget,
} from "./conversations.js";
export type { InviteRow } from "./invites.js";
export type { MessageRow, MessageStore, SentRow } from "./messages.js";
export type { BigPositionTarget, Position, PositionStore } from "./positions.js";
export type { RefreshTokenRow, RefreshTokenStore } from "./refresh-tokens.js";
export type { SessionRow, SessionStore } from "./sessions.js";
export type { UserRow, UserStore } from "./users.js";
export type { WorkspaceSettingsRow } from "./workspace.js";
