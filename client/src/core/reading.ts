// Reading: what counts as read, and where the "New messages" line goes. Without a view that reports
// what is on screen (the tests' client), an open conversation on a visible page is read to its end.
// With one (`readWhatIsShown`, the app), only what the list reports as shown counts, and what arrives
// counts as read only while the list shows the newest message. The read position moves locally at
// once; the server hears it at most about once a second per conversation (positions only move
// forward), and again after a reconnect.
import { myMember } from "../stores/conversations";
import { lastSeq } from "../stores/messages";
import type { ChatSocket } from "./socket";
import type { ChatStores } from "./stores";

/** The server is told a moving read position at most this often per conversation (the last one always). */
export const READ_TELL_INTERVAL_MS = 1000;

export function createReading(deps: {
  socket: ChatSocket;
  stores: Pick<ChatStores, "active" | "conversations" | "messages" | "firstUnread">;
  /** Is the page visible to the user (document.visibilityState)? */
  isVisible: () => boolean;
  me: () => string;
  /** Only what the view reports with `shown()` counts as read (the app); otherwise an open conversation is read to its end. */
  readWhatIsShown?: boolean;
}) {
  const { socket, isVisible } = deps;
  const { active, conversations, messages, firstUnread } = deps.stores;
  const shownOnly = deps.readWhatIsShown ?? false;
  /** Read positions this connection has told the server (forgotten on disconnect, so they are told again). */
  const told = new Map<string, number>();
  /** What the list has on screen: the newest seq shown, and whether that is the conversation's end. */
  const onScreen = new Map<string, { seq: number; atEnd: boolean }>();
  const tellTimers = new Map<string, ReturnType<typeof setTimeout>>();
  const lastTold = new Map<string, number>();
  socket.on("disconnect", () => told.clear());

  /** The user is looking at the newest messages of `cid`: what arrives there is read as it arrives. */
  function readingNow(cid: string) {
    if (active.get() !== cid || !isVisible()) return false;
    return !shownOnly || (onScreen.get(cid)?.atEnd ?? false);
  }

  function tell(cid: string) {
    if (tellTimers.has(cid)) return;
    const wait = (lastTold.get(cid) ?? 0) + READ_TELL_INTERVAL_MS - Date.now();
    const send = () => {
      tellTimers.delete(cid);
      const c = conversations.byId(cid);
      const seq = c ? (myMember(c, deps.me())?.lastReadSeq ?? 0) : 0;
      if (!c || !socket.connected || (told.get(cid) ?? 0) >= seq) return;
      told.set(cid, seq);
      lastTold.set(cid, Date.now());
      socket.emit("conversation:read", { conversationId: cid, seq }, () => {});
    };
    if (wait <= 0) send();
    else tellTimers.set(cid, setTimeout(send, wait));
  }

  /** Moves my read position in `cid` forward to `upTo` (default: its end). */
  function markRead(cid: string, upTo?: number) {
    const c = conversations.byId(cid);
    if (!c) return;
    const end = Math.max(c.lastSeq, lastSeq(messages.timeline(cid)));
    const seq = Math.min(upTo ?? end, end);
    if (seq === 0) return;
    conversations.markRead(cid, seq);
    if (seq >= end && (c.unreadCount > 0 || c.mentionCount > 0))
      conversations.upsert({ ...conversations.byId(cid)!, unreadCount: 0, mentionCount: 0 });
    // The local state above is optimistic; the server hears it shortly (positions only move forward).
    tell(cid);
  }

  /** A visible page looking at `cid`: read what the user can see (all of it without a view that says). */
  function readWhatIsSeen(cid: string) {
    if (active.get() !== cid || !isVisible()) return;
    if (!shownOnly) return markRead(cid);
    const seen = onScreen.get(cid);
    if (seen) markRead(cid, seen.atEnd ? undefined : seen.seq);
  }

  return {
    readingNow,
    markRead,
    readWhatIsSeen,
    /** The conversation on screen is read as far as the user sees it, if the page is visible. */
    markActiveRead() {
      const a = active.get();
      if (a) readWhatIsSeen(a);
    },
    /**
     * The list reports what it shows: the newest message on screen, and whether that is the newest
     * message of all (then what arrives is read at once). `null`: the list is gone.
     */
    shown(cid: string, seen: { seq: number; atEnd: boolean } | null) {
      if (!seen) onScreen.delete(cid);
      else {
        onScreen.set(cid, seen);
        readWhatIsSeen(cid);
      }
    },
    /**
     * Opening `cid`: remembers where its unread messages begin (the "New messages" line), before
     * anything of it is marked read. Returns that seq, or null when nothing is unread.
     */
    noteFirstUnread(cid: string): number | null {
      const c = conversations.byId(cid);
      const from = c && c.unreadCount > 0 ? (myMember(c, deps.me())?.lastReadSeq ?? 0) + 1 : null;
      firstUnread.set(from === null ? null : { conversationId: cid, seq: from, ready: false });
      return from;
    },
    /** A message in the open conversation that the user has not seen: the "New messages" line goes there unless it is already somewhere. */
    noteArrivedUnread(cid: string, seq: number) {
      if (active.get() === cid && !firstUnread.get()) firstUnread.set({ conversationId: cid, seq, ready: true });
    },
    dispose() {
      for (const t of tellTimers.values()) clearTimeout(t);
      tellTimers.clear();
    },
  };
}
export type Reading = ReturnType<typeof createReading>;
