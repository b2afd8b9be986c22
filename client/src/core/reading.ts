// Reading: a conversation is read while it is on screen and the page is visible. The read position
// moves locally at once; the server is told once per connection (positions only move forward) and
// again after a reconnect.
import { lastSeq } from "../stores/messages";
import type { ChatSocket } from "./socket";
import type { ChatStores } from "./stores";

export function createReading(deps: {
  socket: ChatSocket;
  stores: Pick<ChatStores, "active" | "conversations" | "messages">;
  /** Is the page visible to the user (document.visibilityState)? */
  isVisible: () => boolean;
}) {
  const { socket, isVisible } = deps;
  const { active, conversations, messages } = deps.stores;
  /** Read positions this connection has told the server (forgotten on disconnect, so they are told again). */
  const told = new Map<string, number>();
  socket.on("disconnect", () => told.clear());

  function readingNow(cid: string) {
    return active.get() === cid && isVisible();
  }

  function markRead(cid: string) {
    const c = conversations.byId(cid);
    if (!c) return;
    const seq = Math.max(c.lastSeq, lastSeq(messages.timeline(cid)));
    if (seq === 0) return;
    conversations.markRead(cid, seq);
    if (c.unreadCount > 0) conversations.upsert({ ...conversations.byId(cid)!, unreadCount: 0 });
    // The local state above is optimistic; the server hears it once per connection (positions only move forward).
    if (socket.connected && (told.get(cid) ?? 0) < seq) {
      told.set(cid, seq);
      socket.emit("conversation:read", { conversationId: cid, seq }, () => {});
    }
  }

  return {
    readingNow,
    markRead,
    /** The conversation on screen is read up to its end, if the user is looking at it. */
    markActiveRead() {
      const a = active.get();
      if (a && readingNow(a)) markRead(a);
    },
  };
}
export type Reading = ReturnType<typeof createReading>;
