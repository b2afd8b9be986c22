// Changing a message already sent: edit, delete, react. Each is one socket event answered by an ack
// with the changed message (merged at once) or a refusal, thrown as a RequestError.
import type { ApiError, Message } from "@messenger/protocol";
import { RequestError } from "./errors";
import { ACK_TIMEOUT_MS, type ChatSocket } from "./socket";
import type { ChatStores } from "./stores";

type ChangeEvent = "message:edit" | "message:delete" | "message:react";

export function createMessageChanges(deps: {
  socket: ChatSocket;
  stores: Pick<ChatStores, "messages" | "conversations">;
}) {
  const { socket } = deps;
  const { messages, conversations } = deps.stores;

  function ackOrThrow<T extends object>(event: ChangeEvent, payload: object) {
    return new Promise<T>((resolve, reject) => {
      // biome-ignore lint/suspicious/noExplicitAny: one helper for three events with distinct payload types
      (socket.timeout(ACK_TIMEOUT_MS) as any).emit(event, payload, (err: Error | null, ack: any) => {
        if (err) return reject(new RequestError(0, { code: "timeout", message: "no answer" }));
        if (!ack.ok) return reject(new RequestError(400, ack.error as ApiError));
        resolve(ack as T);
      });
    });
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
