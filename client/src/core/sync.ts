// Keeping what the client shows in step with the server: live events (new and changed messages,
// receipts, presence), delivery positions, catch-up when a live message leaves a hole, resync after
// every (re)connect (the list with its unread counts, then every open timeline, then unacked sends),
// and re-checking every conversation's lastSeq after a `sync:hint` or a silent connection, in case
// events were lost between servers.
import type { Conversation, Message, User } from "@messenger/protocol";
import { myMember } from "../stores/conversations";
import { lastSeq, leavesGap } from "../stores/messages";
import type { ChatApi } from "./api";
import { withNewerActivity } from "./membership";
import type { Reading } from "./reading";
import type { ChatSocket } from "./socket";
import type { ChatStores } from "./stores";

export interface IncomingEvent {
  message: Message;
  conversation: Conversation;
  sender: User | undefined;
}

export function createSync(deps: {
  socket: ChatSocket;
  api: ChatApi;
  stores: Pick<ChatStores, "conversations" | "messages" | "presence" | "typing" | "listLoaded" | "users">;
  me: () => string;
  reading: Reading;
  /** timelines.ts: fetch what a loaded timeline lacks after its contiguous end. */
  catchUp: (cid: string) => Promise<void>;
  /** membership.ts: the list, less conversations forgotten meanwhile. */
  fetchConversationList: () => Promise<Conversation[]>;
  /** outbox.ts: re-send what was never acked. */
  flushUnacked: () => void;
  /** Connected but no server event for this long: re-check anyway (0 = never). */
  idleRecheckMs: number;
}) {
  const { socket, api, me, reading, catchUp } = deps;
  const { conversations, messages, presence, typing, listLoaded } = deps.stores;
  const incomingListeners = new Set<(e: IncomingEvent) => void>();

  socket.on("connect", () => {
    void resync();
  });
  socket.on("message:new", (m) => void receive(m, true));
  socket.on("message:updated", (m) => {
    if (messages.timeline(m.conversationId).loaded) messages.merge(m.conversationId, [m]);
    conversations.applyMessage(m, false);
  });
  socket.on("receipt", (r) => conversations.applyReceipt(r));
  socket.on("presence", (e) => presence.apply(e));
  // The servers may have lost events meant for us: re-check, at a moment of our own within the spread.
  socket.on("sync:hint", ({ spreadMs }) => scheduleRecheck(Math.random() * spreadMs));

  async function receive(m: Message, live: boolean) {
    const cid = m.conversationId;
    let conv = conversations.byId(cid);
    const unknown = !conv;
    if (!conv) {
      // A conversation we have not heard of (someone just wrote to us in a new DM).
      conv = (await fetchUnknown(cid)) ?? undefined;
      if (!conv) return;
    }
    const tl = messages.timeline(cid);
    // The fetched conversation already counts the messages that brought it: they are new if unread.
    const fresh = unknown
      ? m.senderId !== me() && m.seq > (myMember(conv, me())?.lastReadSeq ?? 0)
      : m.seq > conv.lastSeq;
    if (tl.loaded) {
      if (leavesGap(tl, m)) void catchUp(cid);
      messages.merge(cid, [m]);
    }
    const beingRead = reading.readingNow(cid);
    conversations.applyMessage(m, beingRead);
    if (m.senderId !== me()) {
      typing.stopped(cid, m.senderId);
      if (live) socket.emit("conversation:delivered", { conversationId: cid, seq: m.seq }, () => {});
      if (beingRead) reading.markRead(cid);
      else if (fresh) reading.noteArrivedUnread(cid, m.seq);
      if (fresh && live) {
        const c = conversations.byId(cid)!;
        // A big group's list has no members: the sender may be known from elsewhere (stores.users).
        const sender = c.members.find((x) => x.user.id === m.senderId)?.user ?? deps.stores.users.of(m.senderId);
        for (const l of incomingListeners) l({ message: m, conversation: c, sender });
      }
    }
  }

  /** One request per unknown conversation, however many of its messages arrive meanwhile. */
  const fetching = new Map<string, Promise<Conversation | null>>();
  function fetchUnknown(cid: string): Promise<Conversation | null> {
    let running = fetching.get(cid);
    if (!running) {
      running = api
        .conversation(cid)
        .then(({ conversation }) => {
          const c = withNewerActivity(conversation, conversations.byId(cid));
          conversations.upsert(c);
          presence.seed([c]);
          return c;
        })
        .catch(() => null)
        .finally(() => fetching.delete(cid));
      fetching.set(cid, running);
    }
    return running;
  }

  /** After (re)connecting: refresh the list, fill every open timeline, re-send what was never acked. */
  async function resync() {
    try {
      await refreshFromList();
    } catch {
      // The next reconnect (or the next live event that leaves a gap) tries again.
    }
    deps.flushUnacked();
    reading.markActiveRead();
  }

  /** One request for every conversation's lastSeq; then fetch only what a loaded timeline lacks. */
  async function recheck() {
    try {
      await refreshFromList((cid) => (conversations.byId(cid)?.lastSeq ?? 0) > lastSeq(messages.timeline(cid)));
    } catch {
      // The next hint, idle re-check or reconnect tries again.
    }
    reading.markActiveRead();
  }

  let recheckTimer: ReturnType<typeof setTimeout> | undefined;
  function scheduleRecheck(delayMs: number) {
    // Several hints (one per server that lost touch) coalesce into one re-check.
    if (recheckTimer) return;
    recheckTimer = setTimeout(() => {
      recheckTimer = undefined;
      if (socket.connected) void recheck();
    }, delayMs);
  }
  // Any server event shows the link is alive; only a silent one is re-checked.
  let idleTimer: ReturnType<typeof setTimeout> | undefined;
  const armIdleRecheck = () => {
    clearTimeout(idleTimer);
    if (deps.idleRecheckMs > 0)
      idleTimer = setTimeout(() => {
        if (socket.connected) void recheck();
        armIdleRecheck();
      }, deps.idleRecheckMs);
  };
  socket.onAny(armIdleRecheck);
  socket.on("connect", armIdleRecheck);

  /** The conversation list from the server, then catch-up of the loaded timelines that `needs` (all by default). */
  async function refreshFromList(needs: (cid: string) => boolean = () => true) {
    const list = await deps.fetchConversationList();
    const known = conversations.get();
    // The list was read before some live events we may already have applied: keep the newer activity.
    conversations.setAll(list.map((c) => withNewerActivity(c, known[c.id])));
    presence.seed(list);
    listLoaded.set(true);
    for (const c of list) {
      const mine = myMember(c, me());
      if (mine && c.lastSeq > mine.lastDeliveredSeq)
        socket.emit("conversation:delivered", { conversationId: c.id, seq: c.lastSeq }, () => {});
    }
    await Promise.all(
      Object.keys(messages.get()).map(async (cid) => {
        if (!conversations.byId(cid)) messages.remove(cid);
        else if (messages.timeline(cid).loaded && needs(cid)) await catchUp(cid);
      }),
    );
  }

  return {
    /** The list over REST at start, so the screen fills before the socket is up (resync follows on connect). */
    async loadList() {
      if (listLoaded.get()) return;
      try {
        const list = await deps.fetchConversationList();
        if (!listLoaded.get()) {
          conversations.setAll(list);
          presence.seed(list);
          listLoaded.set(true);
        }
      } catch {
        // resync after connect retries
      }
    },
    /** Resolves once the conversation list (with unread counts) has been loaded. */
    listReady(): Promise<void> {
      if (listLoaded.get()) return Promise.resolve();
      return new Promise((resolve) => {
        const off = listLoaded.subscribe(() => {
          if (!listLoaded.get()) return;
          off();
          resolve();
        });
      });
    },
    /** Each new message from someone else as it arrives live (notifications, the chime). */
    onIncoming(fn: (e: IncomingEvent) => void) {
      incomingListeners.add(fn);
      return () => {
        incomingListeners.delete(fn);
      };
    },
    dispose() {
      clearTimeout(recheckTimer);
      clearTimeout(idleTimer);
    },
  };
}
