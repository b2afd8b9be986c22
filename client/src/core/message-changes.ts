// Changing a message already sent: edit, delete, react. Each is one socket event answered by an ack
// with the changed message (merged at once) or a refusal, thrown as a RequestError.
import type { Message } from "@messenger/protocol";
import { withAck } from "./ack";
import { RequestError } from "./errors";
import type { ChatSocket } from "./socket";
import type { ChatStores } from "./stores";

type ChangeEvent = "message:edit" | "message:delete" | "message:react";

export function createMessageChanges(deps: {
  socket: ChatSocket;
  stores: Pick<ChatStores, "messages" | "conversations">;
}) {
  const { socket } = deps;
  const { messages, conversations } = deps.stores;

  async function ackOrThrow<T extends object>(event: ChangeEvent, payload: object): Promise<T> {
    // biome-ignore lint/suspicious/noExplicitAny: one helper for three events with distinct payload types
    const ack = await withAck<T>((cb) => (socket.emit as any)(event, payload, cb));
    if (!ack.ok) throw new RequestError(ack.error.code === "timeout" ? 0 : 400, ack.error);
    return ack as T;
  }

  async function change(event: ChangeEvent, payload: object) {
    const { message } = await ackOrThrow<{ message: Message }>(event, payload);
    messages.merge(message.conversationId, [message]);
    conversations.applyMessage(message, false);
    return message;
  }

  return {
    edit: (messageId: string, body: string) => change("message:edit", { messageId, body }),
    remove: (messageId: string) => change("message:delete", { messageId }),
    react: (messageId: string, emoji: string, on: boolean) => change("message:react", { messageId, emoji, on }),
  };
}
