import { withTransaction } from "@messenger/common";
import type { CallLog, Message, MessageSendPayload, MessagesQuery, ReceiptKind } from "@messenger/protocol";
import type { CoreDeps } from "../deps.js";
import { badRequest, conflict, forbidden, invalidAttachment, notFound } from "../errors.js";

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
      const result = await withTransaction(db, async (tx) => {
        const conv = await stores.conversations.lockForUpdate(input.conversationId, tx);
        if (!conv) throw notFound("conversation");
        await access.requireMember(input.conversationId, senderId, tx);
        const existing = await stores.messages.findByClientId(input.conversationId, senderId, input.clientId, tx);
        if (existing) return { row: existing, created: false };
        if (
          input.replyToId &&
          !(await stores.messages.existsInConversation(input.replyToId, input.conversationId, tx))
        ) {
          throw badRequest("replyToId: no such message in this conversation");
        }
        const seqRes = await tx.query<{ last_seq: number }>(
          "UPDATE conversations SET last_seq = last_seq + 1, last_activity_at = now() WHERE id = $1 RETURNING last_seq",
          [input.conversationId],
        );
        const seq = seqRes.rows[0]!.last_seq;
        const row = await stores.messages.insert(
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
        if (attachmentIds.length) {
          const claimed = await stores.attachments.attachToMessage(
            row.id,
            input.conversationId,
            senderId,
            attachmentIds,
            tx,
          );
          if (claimed.length !== attachmentIds.length) throw invalidAttachment();
        }
        // Like Slack/WhatsApp: what I send I have read, so unread = last_seq - last_read_seq stays exact.
        await tx.query(
          `UPDATE conversation_members SET last_read_seq = GREATEST(last_read_seq, $3), last_delivered_seq = GREATEST(last_delivered_seq, $3)
           WHERE conversation_id = $1 AND user_id = $2`,
          [input.conversationId, senderId, seq],
        );
        return { row, created: true };
      });
      const [message] = await stores.messages.hydrate([result.row]);
      if (result.created) {
        metrics.messagesSent.inc();
        publish(input.conversationId, "message:new", message!, origin);
      }
      return { message: message!, created: result.created };
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
