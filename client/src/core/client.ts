// The chat client: everything the app knows and does, without React. This file only wires the parts
// (each file's header says what it owns) and is the one public API the UI and the tests use.

import { createAccountApi } from "./account";
import { createChatApi } from "./api";
import type { Auth, KeyValueStorage } from "./auth";
import { createChannels } from "./channels";
import { createMemberPages } from "./member-pages";
import { createMembership } from "./membership";
import { createMessageChanges } from "./message-changes";
import { createOutbox, type SendBackoff } from "./outbox";
import { createPeople } from "./people";
import { createProfiles } from "./profiles";
import { createReading } from "./reading";
import { createRich } from "./rich";
import { createSeen } from "./seen";
import { createConnection } from "./socket";
import { createChatStores } from "./stores";
import { createSync } from "./sync";
import { createTimelines } from "./timelines";
import { createTyping } from "./typing";
import { createUploads } from "./uploads";

export { SEND_BACKOFF, type SendBackoff, sendRetryDelay } from "./outbox";
export type { ChatSocket, ConnectionState } from "./socket";
export type { MembershipNotice, MessageFocus } from "./stores";
export type { IncomingEvent } from "./sync";

export interface ChatClientOptions {
  auth: Auth;
  /** socket.io / REST origin; "" or undefined = this page's origin. */
  url?: string;
  /** Is the page visible to the user (document.visibilityState)? Reading only counts when it is. */
  isVisible?: () => boolean;
  /**
   * Only messages the view reports as shown (`shown()`) count as read, as the user scrolls past them
   * (the app); otherwise an open conversation on a visible page is read to its end.
   */
  readWhatIsShown?: boolean;
  /** Is the network up (navigator.onLine)? */
  isOnline?: () => boolean;
  /** Where unsent messages are kept across reloads (localStorage in the browser). */
  outboxStorage?: KeyValueStorage;
  /** The wait between attempts of a send turned away for a passing reason (SEND_BACKOFF unless set). */
  sendBackoff?: SendBackoff;
  /**
   * Connected but no server event for this long: re-check every conversation's lastSeq anyway, in
   * case an event was lost between servers (default 60 s; 0 = never).
   */
  idleRecheckMs?: number;
}

/**
 * Everything the app knows and does, without React: REST + one socket feeding small stores.
 * Guarantees the UI relies on: every message once, in seq order; sends survive disconnects and
 * refusals that pass (re-sent with the same clientId, in the order written); after any reconnect
 * every conversation is caught up.
 */
export function createChatClient(opts: ChatClientOptions) {
  const { auth } = opts;
  const isOnline = opts.isOnline ?? (() => true);
  const me = () => auth.user()?.id ?? "";
  const stores = createChatStores(me);
  const api = createChatApi(auth);
  const connection = createConnection({ auth, url: opts.url, connection: stores.connection, isOnline });
  const { socket } = connection;
  const reading = createReading({
    socket,
    stores,
    me,
    isVisible: opts.isVisible ?? (() => true),
    readWhatIsShown: opts.readWhatIsShown,
  });
  const typing = createTyping({ socket, typing: stores.typing, me });
  const timelines = createTimelines({
    api,
    stores,
    readingNow: reading.readingNow,
    caughtUp: (cid, fetched) => rich.caughtUp(cid, fetched),
  });
  const outbox = createOutbox({
    socket,
    stores,
    me,
    storage: opts.outboxStorage,
    sendBackoff: opts.sendBackoff,
    showLatest: timelines.showLatest,
    stopTyping: typing.stop,
  });
  const membership = createMembership({ socket, api, stores, me, forgetSends: outbox.forget });
  const sync = createSync({
    socket,
    api,
    stores,
    me,
    reading,
    catchUp: timelines.catchUp,
    fetchConversationList: membership.fetchConversationList,
    flushUnacked: outbox.flushUnacked,
    idleRecheckMs: opts.idleRecheckMs ?? 60_000,
  });
  const uploads = createUploads({ auth, uploads: stores.uploads });
  const changes = createMessageChanges({ socket, stores });
  const rich = createRich({ socket, auth, stores });
  const channels = createChannels({ api, stores, applyConversation: membership.applyConversation });
  const people = createPeople({ api, stores });
  createProfiles({ socket, stores, auth });
  const seen = createSeen({ socket, api, stores });

  return {
    socket,
    me,
    stores,
    /** My profile, password and devices; `account.admin` is the admin console's. */
    account: createAccountApi(auth),
    async start() {
      outbox.restore();
      if (!(await auth.ensureFresh().catch(() => true))) return;
      connection.connect();
      await sync.loadList();
      // Which messages I saved (the Save buttons say so); not needed to show anything else.
      void rich.loadSaved().catch(() => undefined);
    },
    stop() {
      outbox.dispose();
      connection.dispose();
      uploads.dispose();
      typing.dispose();
      sync.dispose();
      reading.dispose();
    },
    networkChanged: connection.networkChanged,
    /** The page became visible or hidden: reading resumes where the user looks. */
    visibilityChanged: reading.markActiveRead,
    async open(cid: string | null) {
      const prev = stores.active.get();
      if (prev && prev !== cid) typing.stop(prev);
      const switched = cid !== prev;
      if (switched) stores.firstUnread.set(null);
      // Where its unread messages begin, noted before anything of it can be marked read.
      const listKnown = stores.listLoaded.get();
      if (cid && switched && listKnown) reading.noteFirstUnread(cid);
      stores.active.set(cid);
      if (cid) stores.membershipNotice.set(null);
      if (!cid) return;
      if (switched && !listKnown) {
        // Opened from the URL before the list (with the unread counts) has come.
        await sync.listReady();
        if (stores.active.get() !== cid) return;
        reading.noteFirstUnread(cid);
      }
      // A view that shows what is read starts where the unread messages begin; otherwise the newest page.
      const from = stores.firstUnread.get();
      try {
        if (from && opts.readWhatIsShown) await timelines.loadFrom(cid, from.seq);
        else if (!stores.messages.timeline(cid).loaded) await timelines.loadLatest(cid);
      } finally {
        if (from && stores.firstUnread.get() === from) stores.firstUnread.set({ ...from, ready: true });
      }
      reading.readWhatIsSeen(cid);
    },
    /** The view's report of what it shows (`readWhatIsShown`): the newest message on screen, and whether it is the end. */
    shown: reading.shown,
    markRead: reading.markRead,
    /** Brings where the unread messages began back into the timeline (after jumping elsewhere). */
    loadFrom: timelines.loadFrom,
    loadOlder: timelines.loadOlder,
    loadNewer: timelines.loadNewer,
    ensureLoaded: timelines.ensureLoaded,
    showMessage: timelines.showMessage,
    showLatest: timelines.showLatest,
    send: outbox.send,
    retry: outbox.retry,
    discard: outbox.discard,
    edit: changes.edit,
    remove: changes.remove,
    react: changes.react,
    typingInput: typing.input,
    stopTyping: typing.stop,
    upload: uploads.upload,
    cancelUpload: uploads.cancel,
    async searchUsers(q: string) {
      const { users } = await api.searchUsers(q);
      return users.filter((u) => u.id !== me());
    },
    /** Full-text search over my conversations (or one of them), newest first. */
    async searchMessages(q: string, conversationId?: string) {
      const { messages: found, users } = await api.searchMessages(q, conversationId);
      stores.users.know(users);
      return found;
    },
    /** The same, with the words and stems it matched (to highlight them). */
    searchWithTerms: api.searchMessages,
    // Threads, pins and saved items (rich.ts).
    ...rich,
    /** A user by id: from the conversation's members or the people met so far, else looked up (stores.users). */
    userOf: people.userOf,
    /** The members panel's list of one conversation, paged (call `reload()` to start). */
    memberPages(cid: string, pageSize = 50) {
      return createMemberPages(async (cursor, limit) => {
        const page = await api.members(cid, { cursor, limit });
        people.know(page.members.map((m) => m.user));
        return page;
      }, pageSize);
    },
    /** Who has read / received a message ("seen by N" in big groups). */
    messageReceipts: seen.receipts,
    addMembers: membership.addMembers,
    removeMember: membership.removeMember,
    leave: membership.leave,
    startDirect: membership.startDirect,
    createGroup: membership.createGroup,
    onIncoming: sync.onIncoming,
    browseChannels: channels.browseChannels,
    joinChannel: channels.joinChannel,
    updateConversation: channels.updateConversation,
    setNotifications: channels.setNotifications,
    invites: channels.invites,
    createInvite: channels.createInvite,
    revokeInvite: channels.revokeInvite,
    invitePreview: channels.invitePreview,
    acceptInvite: channels.acceptInvite,
    mentions: channels.mentions,
  };
}
export type ChatClient = ReturnType<typeof createChatClient>;
