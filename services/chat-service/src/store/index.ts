import type { Queryable } from "@messenger/common";
import { createAttachmentStore } from "./attachments.js";
import { createChannelStore } from "./channels.js";
import { createConversationStore } from "./conversations.js";
import { createInviteStore } from "./invites.js";
import { createMentionStore } from "./mentions.js";
import { createMessageStore } from "./messages.js";
import { createPositionStore } from "./positions.js";
import { createRefreshTokenStore } from "./refresh-tokens.js";
import { createSessionStore } from "./sessions.js";
import { createSystemMessageStore } from "./system-messages.js";
import { createUserStore } from "./users.js";

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
    invites: createInviteStore(db),
  };
}
export type Stores = ReturnType<typeof createStores>;

export type { AttachmentStore } from "./attachments.js";
export type { ChannelRow, GroupChanges } from "./channels.js";
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
export type { SessionStore } from "./sessions.js";
export type { UserRow, UserStore } from "./users.js";
