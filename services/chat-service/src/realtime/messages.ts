import {
  MessageDeletePayload,
  MessageEditPayload,
  MessageReactPayload,
  MessageSendPayload,
  ReceiptPayload,
  TypingPayload,
} from "@messenger/protocol";
import type { AppDeps } from "../deps.js";
import { createConversationTypingThrottle } from "../domain/conversation-typing.js";
import { spend } from "../limits.js";
import { on } from "./handler.js";
import { type ChatSocket, roomOfConversation } from "./hub.js";

/** message:*, receipts and typing: validate → domain → ack; broadcasting happens in the domain after commit. */
export function createMessageHandlers(deps: AppDeps) {
  const { messages, receipts, access, presence, hub, metrics, log, limits, sizes } = deps;
  const bigTyping = createConversationTypingThrottle(deps.config.BIG_CONVERSATION_TYPING_MS);
  return (socket: ChatSocket) => {
    const { userId } = socket.data;
    const origin = { socketId: socket.id };

    on(
      socket,
      "message:send",
      MessageSendPayload,
      async (p) => {
        const started = performance.now();
        await spend(limits.send, userId, "sending too fast, slow down");
        const { message } = await messages.fromPayload(userId, p, origin);
        metrics.sendAckSeconds.observe((performance.now() - started) / 1000);
        return { message };
      },
      log,
    );

    on(
      socket,
      "message:edit",
      MessageEditPayload,
      async (p) => ({
        message: await messages.edit(userId, p.messageId, p.body, origin),
      }),
      log,
    );

    on(
      socket,
      "message:delete",
      MessageDeletePayload,
      async (p) => ({
        message: await messages.remove(userId, p.messageId, origin),
      }),
      log,
    );

    on(
      socket,
      "message:react",
      MessageReactPayload,
      async (p) => ({
        message: await messages.react(userId, p.messageId, p.emoji, p.on, origin),
      }),
      log,
    );

    on(
      socket,
      "conversation:delivered",
      ReceiptPayload,
      async (p) => {
        await receipts.mark(userId, p.conversationId, "delivered", p.seq, origin);
        return {};
      },
      log,
    );

    on(
      socket,
      "conversation:read",
      ReceiptPayload,
      async (p) => {
        await receipts.mark(userId, p.conversationId, "read", p.seq, origin);
        return {};
      },
      log,
    );

    on(
      socket,
      "typing",
      TypingPayload,
      async (p) => {
        // Room membership mirrors conversation membership, so usually this needs no query
        // (the fallback covers a socket whose rooms are still being joined).
        if (!socket.rooms.has(roomOfConversation(p.conversationId)))
          await access.requireMember(p.conversationId, userId);
        const relay = (await sizes.isBig(p.conversationId))
          ? bigTyping.shouldRelay(p.conversationId, userId, p.typing)
          : await presence.shouldRelayTyping(userId, p.conversationId, p.typing);
        if (relay) {
          // Other members' connected sockets only (the room holds no one else): none of my own devices.
          hub
            .toConversation(p.conversationId, { exceptUserId: userId })
            .emit("typing", { conversationId: p.conversationId, userId, typing: p.typing });
        }
        return {};
      },
      log,
    );
  };
}
