import type { Queryable } from "@messenger/common";
import type { Message, SystemInfo } from "@messenger/protocol";
import type { CoreDeps } from "../core-deps.js";

/**
 * Timeline notices ("Dana added Lee", "Bob left"): messages with `kind: "system"` that take a seq
 * like any other, written in the transaction of the change they record and published after it
 * commits. They never count as unread (see unreadCount in conversations.ts).
 */
export function createSystemMessages(deps: Pick<CoreDeps, "stores" | "hub">) {
  const { stores, hub } = deps;
  return {
    /** Writes the notice in `tx`; publish the result after commit. */
    async post(conversationId: string, system: SystemInfo, tx: Queryable): Promise<Message> {
      const row = await stores.systemMessages.insert(conversationId, system, tx);
      return stores.messages.toWire(row, [], []);
    },
    /** To every member's sockets (the actor's too: their other devices and this one's timeline). */
    publish(messages: readonly Message[]): void {
      for (const m of messages) hub.toConversation(m.conversationId).emit("message:new", m);
    },
  };
}
export type SystemMessages = ReturnType<typeof createSystemMessages>;
