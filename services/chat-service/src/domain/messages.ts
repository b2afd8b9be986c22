import { type AttachmentRow, withTransaction } from "@messenger/common";
import type { CallLog, Message, MessageSendPayload, MessagesQuery, ReceiptKind } from "@messenger/protocol";
import type { CoreDeps } from "../deps.js";
import { badRequest, conflict, forbidden, invalidAttachment, notFound } from "../errors.js";
import type { MessageRow } from "../store/index.js";

/** Thrown inside the send transaction to roll it back when the clientId was already sent. */
class DuplicateSend extends Error {
  constructor(readonly row: MessageRow) {
    super("duplicate clientId");
  }
}

export interface SendInput {
  conversationId: string;
  clientId: string;
  body: string;
  attachmentIds?: string[];
  replyToId?: string | null;
  /** "call" messages are call logs posted by the calls module. */
  kind?: "text" | "call";
  call?: CallLog | null;
}

/** Who caused an event: that socket gets an ack, every other socket of every member gets the event. */
export interface Origin {
  socketId?: string;
}

export function createMessageService(deps: CoreDeps) {
  const { db, stores, access, hub, metrics } = deps;

  function publish(conversationId: string, event: "message:new" | "message:updated", message: Message, origin: Origin) {
    const started = performance.now();
    hub.toConversation(conversationId, { exceptSocketId: origin.socketId }).emit(event, message);
    metrics.fanoutSeconds.observe((performance.now() - started) / 1000);
  }

  const service = {
    /**
     * Sends once per (conversation, sender, clientId). The sequence number is taken
     * under the conversation's row lock in the insert's transaction, so seqs are
     * gap-free and strictly increasing; the duplicate check runs after taking that
     * lock, so a concurrent retry sees the first attempt's committed row. Members
     * hear about it only after commit, and a duplicate is never broadcast again.
     */
    async send(
      senderId: string,
      input: SendInput,
      origin: Origin = {},
    ): Promise<{ message: Message; created: boolean }> {
      const attachmentIds = [...new Set(input.attachmentIds ?? [])];
      // Checked before the transaction: messages are never hard-deleted, so this cannot go stale.
      if (input.replyToId && !(await stores.messages.existsInConversation(input.replyToId, input.conversationId))) {
        await access.requireMember(input.conversationId, senderId);
        throw badRequest("replyToId: no such message in this conversation");
      }
      let result: { row: MessageRow; attachments: AttachmentRow[]; created: boolean };
      try {
        result = await withTransaction(db, async (tx) => {
          // Few round trips while the row lock is held: it serialises every send to this conversation.
          const seq = await stores.conversations.takeNextSeq(input.conversationId, senderId, tx);
          if (seq === null) throw notFound("conversation");
          const existing = await stores.messages.findByClientId(input.conversationId, senderId, input.clientId, tx);
          // Rolling back returns the sequence number: the duplicate gets the first attempt's message.
          if (existing) throw new DuplicateSend(existing);
          const row = await stores.messages.insertAndMarkRead(
            {
              conversationId: input.conversationId,
              seq,
              senderId,
              clientId: input.clientId,
              kind: input.kind ?? "text",
              body: input.body,
              replyToId: input.replyToId ?? null,
              call: input.call ?? null,
            },
            tx,
          );
          let attachments: AttachmentRow[] = [];
          if (attachmentIds.length) {
            attachments = await stores.attachments.attachToMessage(
              row.id,
              input.conversationId,
              senderId,
              attachmentIds,
              tx,
            );
            if (attachments.length !== attachmentIds.length) throw invalidAttachment();
          }
          return { row, attachments, created: true };
        });
      } catch (err) {
        if (!(err instanceof DuplicateSend)) throw err;
        const [message] = await stores.messages.hydrate([err.row]);
        return { message: message!, created: false };
      }
      // A new message has no reactions yet and exactly the attachments just claimed: no re-read needed.
      const message = stores.messages.toWire(result.row, result.attachments, []);
      metrics.messagesSent.inc();
      publish(input.conversationId, "message:new", message, origin);
      return { message, created: true };
    },

    async fromPayload(senderId: string, p: MessageSendPayload, origin: Origin) {
      return service.send(
        senderId,
        {
          conversationId: p.conversationId,
          clientId: p.clientId,
          body: p.body ?? "",
          attachmentIds: p.attachmentIds ?? [],
          replyToId: p.replyToId ?? null,
        },
        origin,
      );
    },

    async edit(userId: string, messageId: string, body: string, origin: Origin = {}): Promise<Message> {
      const { message } = await access.requireMessage(messageId, userId);
      if (message.sender_id !== userId) throw forbidden("only the sender may edit a message");
      if (message.kind !== "text") throw forbidden("call logs cannot be edited");
      const row = await stores.messages.updateBody(messageId, body);
      if (!row) throw conflict("message was deleted");
      const [m] = await stores.messages.hydrate([row]);
      publish(row.conversation_id, "message:updated", m!, origin);
      return m!;
    },

    async remove(userId: string, messageId: string, origin: Origin = {}): Promise<Message> {
      const { message } = await access.requireMessage(messageId, userId);
      if (message.sender_id !== userId) throw forbidden("only the sender may delete a message");
      const row = await stores.messages.tombstone(messageId);
      // Deleting twice is harmless: answer with the tombstone.
      const [m] = await stores.messages.hydrate([row ?? (await stores.messages.findById(messageId))!]);
      if (row) publish(m!.conversationId, "message:updated", m!, origin);
      return m!;
    },

    async react(userId: string, messageId: string, emoji: string, on: boolean, origin: Origin = {}): Promise<Message> {
      const { message } = await access.requireMessage(messageId, userId);
      if (message.deleted_at) throw conflict("message was deleted");
      await stores.messages.setReaction(messageId, userId, emoji, on);
      const [m] = await stores.messages.hydrate([message]);
      publish(message.conversation_id, "message:updated", m!, origin);
      return m!;
    },

    async page(userId: string, conversationId: string, q: MessagesQuery) {
      await access.requireMember(conversationId, userId);
      const { rows, hasMore } = await stores.messages.page(conversationId, q);
      return { messages: await stores.messages.hydrate(rows), hasMore };
    },

    async search(userId: string, text: string, conversationId?: string) {
      if (conversationId) await access.requireMember(conversationId, userId);
      const rows = await stores.messages.search(userId, text, conversationId, 50);
      return { messages: await stores.messages.hydrate(rows) };
    },

    /**
     * Moves my read/delivered position forward only (never past the last message),
     * and tells my other devices and the other members.
     */
    async markPosition(userId: string, conversationId: string, kind: ReceiptKind, seq: number, origin: Origin = {}) {
      await access.requireMember(conversationId, userId);
      const moved = await stores.conversations.advancePosition(conversationId, userId, kind, seq);
      if (moved !== null) {
        const started = performance.now();
        hub
          .toConversation(conversationId, { exceptSocketId: origin.socketId })
          .emit("receipt", { conversationId, userId, kind, seq: moved });
        metrics.fanoutSeconds.observe((performance.now() - started) / 1000);
      }
    },
  };
  return service;
}
export type MessageService = ReturnType<typeof createMessageService>;
