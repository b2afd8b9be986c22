// The observable stores one chat client feeds and the UI reads (useSyncExternalStore): what each
// holds is in stores/; this is the set, and the shapes of the few that are the client's own.
import type { ApiError } from "@messenger/protocol";
import { createConversationsStore } from "../stores/conversations";
import { createMessagesStore } from "../stores/messages";
import { createPresenceStore } from "../stores/presence";
import { createStore } from "../stores/store";
import { createRichStores } from "../stores/threads";
import { createTypingStore } from "../stores/typing";
import { createUploadsStore } from "../stores/uploads";
import { createUsersStore } from "../stores/users";
import type { ConnectionState } from "./socket";

/** A message the list should bring into view and highlight (a chosen search result). */
export interface MessageFocus {
  conversationId: string;
  messageId: string;
  /** Distinct for every request, so choosing the same result twice shows it twice. */
  nonce: number;
  /** Set when it could not be shown: `gone` (deleted meanwhile), `network`, or the server's code. */
  failed?: ApiError;
}

/** Where the unread messages of the conversation just opened begin: the "New messages" line goes there. */
export interface FirstUnread {
  conversationId: string;
  seq: number;
  /** The timeline has been loaded from there (the list waits for it, so it can start there). */
  ready: boolean;
}

/** The conversation on screen went away: I left it, or an admin removed me. */
export interface MembershipNotice {
  conversationId: string;
  title: string;
  reason: "left" | "removed";
}

export function createChatStores(me: () => string) {
  return {
    conversations: createConversationsStore(me),
    messages: createMessagesStore(),
    presence: createPresenceStore(),
    typing: createTypingStore(),
    uploads: createUploadsStore(),
    users: createUsersStore(),
    connection: createStore<ConnectionState>("connecting"),
    /** The conversation on screen (null: the list). */
    active: createStore<string | null>(null),
    listLoaded: createStore(false),
    focus: createStore<MessageFocus | null>(null),
    membershipNotice: createStore<MembershipNotice | null>(null),
    ...createRichStores(),
    firstUnread: createStore<FirstUnread | null>(null),
    /** Per conversation: how many reads of my messages arrived live (an open "seen by N" asks again). */
    liveReads: createStore<Readonly<Record<string, number>>>({}),
  };
}
export type ChatStores = ReturnType<typeof createChatStores>;
