import { type AttachmentRow, type Queryable, toAttachment } from "@messenger/common";
import type { CallLog, Message, Reaction, SystemInfo } from "@messenger/protocol";
import { ROOT_IDX, THREAD_CTES, threadFieldsOf, withRoots } from "./threads-sql.js";

export interface MessageRow {
  id: string;
  conversation_id: string;
  seq: number;
  sender_id: string;
  client_id: string;
  kind: "text" | "call" | "system";
  body: string;
  reply_to_id: string | null;
  call: CallLog | null;
  system: SystemInfo | null;
  mention_user_ids: string[];
  mentions_channel: boolean;
  created_at: Date;
  edited_at: Date | null;
  deleted_at: Date | null;
  thread_root_id: string | null;
  also_to_conversation: boolean;
  thread_reply_count: number;
  thread_last_reply_at: Date | null;
  thread_participant_ids: string[];
  pinned_at: Date | null;
  pinned_by: string | null;
}

/** The columns of a MessageRow, from `messages m`. */
export const COLS =
  "m.id, m.conversation_id, m.seq, m.sender_id, m.client_id, m.kind, m.body, m.reply_to_id, m.call, m.created_at, m.edited_at, m.deleted_at, " +
  "m.thread_root_id, m.also_to_conversation, m.thread_reply_count, m.thread_last_reply_at, m.thread_participant_ids, m.pinned_at, m.pinned_by, " +
  "m.system, m.mention_user_ids, m.mentions_channel";

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export interface NewMessage {
  conversationId: string;
  senderId: string;
  clientId: string;
  kind: "text" | "call";
  body: string;
  replyToId: string | null;
  call: CallLog | null;
  /** A thread reply: its root (checked to be a top-level message of the conversation beforehand). */
  threadRootId?: string | null;
  alsoToConversation?: boolean;
  /** Members the body names (`@username`), and whether it mentions the channel. */
  mentions?: { userIds: string[]; channel: boolean };
}

/** `{a,b}`: a uuid[] as one element of a text[] parameter (unnest would flatten an array of arrays). */
const uuidArrayLiteral = (ids: readonly string[]) => `{${ids.join(",")}}`;

export interface SentRow {
  row: MessageRow;
  /** false: this clientId was already sent, `row` is that message. */
  created: boolean;
  /** A new thread reply: its root as the batch left it (summary updated). */
  root?: MessageRow;
}

export function createMessageStore(db: Queryable) {
  const store = {
    /** The message carrying an attachment, if it is sent yet. */
    async findByAttachment(attachmentId: string, q: Queryable = db): Promise<MessageRow | null> {
      const r = await q.query<MessageRow>(
        `SELECT ${COLS} FROM attachments a JOIN messages m ON m.id = a.message_id WHERE a.id = $1`,
        [attachmentId],
      );
      return r.rows[0] ?? null;
    },
    async findById(id: string, q: Queryable = db): Promise<MessageRow | null> {
      const r = await q.query<MessageRow>(`SELECT ${COLS} FROM messages m WHERE m.id = $1`, [id]);
      return r.rows[0] ?? null;
    },
    /**
     * Writes a batch of sends in one statement. The caller passes at most one item per
     * (conversation, sender, clientId) and starts it only after every earlier write to these
     * conversations has committed, so that the clientId check sees them (a concurrent one
     * fails the statement with a unique violation instead). For each item it returns the new
     * message (`created`), the message already sent with that clientId (not created), or
     * nothing when the sender is not a member or the conversation is archived. New messages take the next gap-free seqs in
     * batch order, and the sender's own read/delivered position moves to them (what I send I
     * have read, as in Slack/WhatsApp), which keeps unread = last_seq - last_read_seq exact.
     */
    async insertBatch(items: readonly NewMessage[], q: Queryable): Promise<(SentRow | undefined)[]> {
      const r = await q.query<MessageRow & { idx: number; created: boolean }>({
        // Named: prepared once per connection, not parsed again for every batch.
        name: "messages.insertBatch",
        text: `WITH input AS (
           SELECT * FROM unnest($1::int[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::uuid[], $8::text[],
               $9::uuid[], $10::boolean[], $11::text[], $12::boolean[])
             AS t(idx, conversation_id, sender_id, client_id, kind, body, reply_to_id, call, thread_root_id, also_to_conversation,
               mention_user_ids, mentions_channel)
         ), member AS (
           SELECT i.* FROM input i WHERE EXISTS (
             SELECT 1 FROM conversation_members cm WHERE cm.conversation_id = i.conversation_id AND cm.user_id = i.sender_id)
         ), existing AS (
           SELECT i.idx, x.id FROM member i JOIN messages x
             ON x.conversation_id = i.conversation_id AND x.sender_id = i.sender_id AND x.client_id = i.client_id
         ), fresh AS (
           SELECT i.*, row_number() OVER (PARTITION BY i.conversation_id ORDER BY i.idx) AS n
           FROM member i WHERE NOT EXISTS (SELECT 1 FROM existing e WHERE e.idx = i.idx)
         ), bumped AS (
           UPDATE conversations c SET last_seq = c.last_seq + k.cnt, last_activity_at = now()
           -- In id order, so that concurrent writers (other instances) tend to lock rows alike.
           FROM (SELECT conversation_id, count(*) AS cnt FROM fresh GROUP BY conversation_id ORDER BY conversation_id) k
           -- An archived conversation is read-only (checked under the row lock, so an archive that
           -- commits first is always seen; the caller tells "archived" from "not a member").
           WHERE c.id = k.conversation_id AND NOT c.archived
           RETURNING c.id, c.last_seq - k.cnt AS base
         ), inserted AS (
           INSERT INTO messages (conversation_id, seq, sender_id, client_id, kind, body, reply_to_id, call,
             thread_root_id, also_to_conversation, mention_user_ids, mentions_channel)
           SELECT f.conversation_id, b.base + f.n, f.sender_id, f.client_id, f.kind, f.body, f.reply_to_id, f.call::jsonb,
             f.thread_root_id, f.thread_root_id IS NOT NULL AND f.also_to_conversation, f.mention_user_ids::uuid[], f.mentions_channel
           FROM fresh f JOIN bumped b ON b.id = f.conversation_id
           RETURNING *
         ), ${THREAD_CTES}, positions AS (
           UPDATE conversation_members cm
           SET last_read_seq = GREATEST(cm.last_read_seq, p.seq), last_delivered_seq = GREATEST(cm.last_delivered_seq, p.seq)
           FROM (SELECT conversation_id, sender_id, max(seq) AS seq FROM inserted GROUP BY conversation_id, sender_id) p
           WHERE cm.conversation_id = p.conversation_id AND cm.user_id = p.sender_id
         )
         SELECT f.idx, true AS created, ${COLS} FROM inserted m
           JOIN fresh f ON f.conversation_id = m.conversation_id AND f.sender_id = m.sender_id AND f.client_id = m.client_id
         UNION ALL
         SELECT e.idx, false AS created, ${COLS} FROM existing e JOIN messages m ON m.id = e.id
         UNION ALL
         SELECT ${ROOT_IDX} AS idx, false AS created, ${COLS} FROM threaded m`,
        values: [
          items.map((_, i) => i),
          items.map((m) => m.conversationId),
          items.map((m) => m.senderId),
          items.map((m) => m.clientId),
          items.map((m) => m.kind),
          items.map((m) => m.body),
          items.map((m) => m.replyToId),
          items.map((m) => (m.call ? JSON.stringify(m.call) : null)),
          items.map((m) => m.threadRootId ?? null),
          items.map((m) => m.alsoToConversation ?? false),
          items.map((m) => uuidArrayLiteral(m.mentions?.userIds ?? [])),
          items.map((m) => m.mentions?.channel ?? false),
        ],
      });
      return withRoots(items.length, r.rows);
    },
    async existsInConversation(messageId: string, conversationId: string, q: Queryable = db): Promise<boolean> {
      const r = await q.query("SELECT 1 FROM messages WHERE id = $1 AND conversation_id = $2", [
        messageId,
        conversationId,
      ]);
      return (r.rowCount ?? 0) > 0;
    },
    async updateBody(id: string, body: string, q: Queryable = db): Promise<MessageRow | null> {
      const r = await q.query<MessageRow>(
        `UPDATE messages m SET body = $2, edited_at = now() WHERE m.id = $1 AND m.deleted_at IS NULL RETURNING ${COLS}`,
        [id, body],
      );
      return r.rows[0] ?? null;
    },
    /** Leaves a tombstone: the row (and its seq) stays, its content goes. */
    async tombstone(id: string, q: Queryable = db): Promise<MessageRow | null> {
      const r = await q.query<MessageRow>(
        `UPDATE messages m SET body = '', deleted_at = now() WHERE m.id = $1 AND m.deleted_at IS NULL RETURNING ${COLS}`,
        [id],
      );
      if (r.rows[0]) await q.query("DELETE FROM message_reactions WHERE message_id = $1", [id]);
      return r.rows[0] ?? null;
    },
    /**
     * Adds or removes my reaction. A new distinct emoji is refused ("limit") once the message has
     * `maxDistinct` of them; reacting with one already there is always fine.
     */
    async setReaction(
      r: { messageId: string; userId: string; emoji: string; on: boolean; maxDistinct: number },
      q: Queryable = db,
    ): Promise<"ok" | "limit"> {
      if (!r.on) {
        await q.query("DELETE FROM message_reactions WHERE message_id = $1 AND user_id = $2 AND emoji = $3", [
          r.messageId,
          r.userId,
          r.emoji,
        ]);
        return "ok";
      }
      const res = await q.query<{ allowed: boolean }>(
        `WITH allowed AS (
           SELECT EXISTS (SELECT 1 FROM message_reactions WHERE message_id = $1 AND emoji = $3)
               OR (SELECT count(DISTINCT emoji) FROM message_reactions WHERE message_id = $1) < $4 AS allowed
         ), ins AS (
           INSERT INTO message_reactions (message_id, user_id, emoji)
           SELECT $1, $2, $3 FROM allowed WHERE allowed ON CONFLICT DO NOTHING
         )
         SELECT allowed FROM allowed`,
        [r.messageId, r.userId, r.emoji, r.maxDistinct],
      );
      return res.rows[0]?.allowed ? "ok" : "limit";
    },
    /** A page ascending by seq; `hasMore` looks one row further in the paging direction. */
    async page(
      conversationId: string,
      opts: { before?: number; after?: number; limit: number },
      q: Queryable = db,
    ): Promise<{ rows: MessageRow[]; hasMore: boolean }> {
      let r: { rows: MessageRow[] };
      if (opts.after !== undefined) {
        r = await q.query<MessageRow>(
          `SELECT ${COLS} FROM messages m WHERE m.conversation_id = $1 AND m.seq > $2 ORDER BY m.seq ASC LIMIT $3`,
          [conversationId, opts.after, opts.limit + 1],
        );
        const hasMore = r.rows.length > opts.limit;
        return { rows: r.rows.slice(0, opts.limit), hasMore };
      }
      r = await q.query<MessageRow>(
        `SELECT ${COLS} FROM messages m WHERE m.conversation_id = $1 AND m.seq < $2 ORDER BY m.seq DESC LIMIT $3`,
        [conversationId, opts.before ?? Number.MAX_SAFE_INTEGER, opts.limit + 1],
      );
      const hasMore = r.rows.length > opts.limit;
      return { rows: r.rows.slice(0, opts.limit).reverse(), hasMore };
    },
    async lastMessages(conversations: { id: string; last_seq: number }[], q: Queryable = db): Promise<MessageRow[]> {
      const withMessages = conversations.filter((c) => c.last_seq > 0);
      if (withMessages.length === 0) return [];
      const r = await q.query<MessageRow>(
        `SELECT ${COLS} FROM messages m
         JOIN unnest($1::uuid[], $2::bigint[]) AS t(cid, seq) ON m.conversation_id = t.cid AND m.seq = t.seq`,
        [withMessages.map((c) => c.id), withMessages.map((c) => c.last_seq)],
      );
      return r.rows;
    },
    /** Rows → wire messages with their attachments and reactions (two queries for any number of rows). */
    async hydrate(rows: MessageRow[], q: Queryable = db): Promise<Message[]> {
      if (rows.length === 0) return [];
      const ids = rows.map((r) => r.id);
      const [att, reacts] = await Promise.all([
        q.query<AttachmentRow & { created_at: Date }>(
          "SELECT * FROM attachments WHERE message_id = ANY($1::uuid[]) ORDER BY position NULLS LAST, created_at, id",
          [ids],
        ),
        q.query<{ message_id: string; emoji: string; user_ids: string[] }>(
          `SELECT message_id, emoji, array_agg(user_id ORDER BY created_at) AS user_ids
           FROM message_reactions WHERE message_id = ANY($1::uuid[])
           GROUP BY message_id, emoji ORDER BY min(created_at)`,
          [ids],
        ),
      ]);
      const attachmentsOf = new Map<string, AttachmentRow[]>();
      for (const a of att.rows) {
        const list = attachmentsOf.get(a.message_id!) ?? [];
        list.push(a);
        attachmentsOf.set(a.message_id!, list);
      }
      const reactionsOf = new Map<string, Reaction[]>();
      for (const x of reacts.rows) {
        const list = reactionsOf.get(x.message_id) ?? [];
        list.push({ emoji: x.emoji, userIds: x.user_ids });
        reactionsOf.set(x.message_id, list);
      }
      return rows.map((r) => store.toWire(r, attachmentsOf.get(r.id) ?? [], reactionsOf.get(r.id) ?? []));
    },
    toWire(r: MessageRow, attachments: AttachmentRow[], reactions: Reaction[]): Message {
      const deleted = r.deleted_at !== null;
      return {
        id: r.id,
        conversationId: r.conversation_id,
        seq: r.seq,
        senderId: r.sender_id,
        clientId: r.client_id,
        kind: r.kind,
        body: deleted ? "" : r.body,
        // A tombstone keeps its place (seq) but shows nothing.
        attachments: deleted ? [] : attachments.map(toAttachment),
        replyToId: r.reply_to_id,
        reactions: deleted ? [] : reactions,
        call: r.call,
        system: r.system,
        mentions: { userIds: r.mention_user_ids, channel: r.mentions_channel },
        createdAt: r.created_at.toISOString(),
        editedAt: iso(r.edited_at),
        deletedAt: iso(r.deleted_at),
        ...threadFieldsOf(r),
      };
    },
  };
  return store;
}
export type MessageStore = ReturnType<typeof createMessageStore>;
