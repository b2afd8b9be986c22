// Typing indicators both ways: announcing mine sparingly while I type (renewed every few seconds,
// stopped when idle, on sending and on leaving the conversation), and showing others' `typing` events.
import type { TypingStore } from "../stores/typing";
import type { ChatSocket } from "./socket";

/** Re-announce typing this often while the user keeps typing; the indicator expires on the other side otherwise. */
const TYPING_RENEW_MS = 3000;
const TYPING_IDLE_MS = 4000;

export function createTyping(deps: { socket: ChatSocket; typing: TypingStore; me: () => string }) {
  const { socket, typing, me } = deps;
  const announced = new Map<string, { sentAt: number; idle?: ReturnType<typeof setTimeout> }>();

  socket.on("typing", (e) => {
    if (e.userId !== me()) typing.apply(e);
  });

  /** Called on every keystroke in the composer; sends `typing` sparingly. */
  function input(cid: string) {
    const now = Date.now();
    const st = announced.get(cid) ?? { sentAt: 0 };
    if (now - st.sentAt > TYPING_RENEW_MS && socket.connected) {
      socket.emit("typing", { conversationId: cid, typing: true });
      st.sentAt = now;
    }
    clearTimeout(st.idle);
    st.idle = setTimeout(() => stop(cid), TYPING_IDLE_MS);
    announced.set(cid, st);
  }

  function stop(cid: string) {
    const st = announced.get(cid);
    if (!st) return;
    clearTimeout(st.idle);
    announced.delete(cid);
    if (st.sentAt && socket.connected) socket.emit("typing", { conversationId: cid, typing: false });
  }

  return {
    input,
    stop,
    dispose() {
      for (const st of announced.values()) clearTimeout(st.idle);
    },
  };
}
