// The thread part of messages.insertBatch (one statement per batch, see messages.ts): the CTEs that
// keep each root's summary and its followers, and how their rows come back. For a batch without thread
// replies they find nothing to do: no extra query, no extra round trip.
import type { Message } from "@messenger/protocol";
import type { MessageRow, SentRow } from "./messages.js";

/** `idx` of the roots the batch updated, in the statement's result (items have idx ≥ 0). */
export const ROOT_IDX = -1;

/**
 * After `inserted`: bump each root's reply count, last reply time and participants (new repliers
 * appended), then make the root's author and every replier follow the thread; a replier has read
 * it up to the count their reply made.
 */
export const THREAD_CTES = `threaded AS (
           UPDATE messages r SET
             thread_reply_count = r.thread_reply_count + k.cnt,
             thread_last_reply_at = k.at,
             thread_participant_ids = r.thread_participant_ids
               || ARRAY(SELECT s FROM unnest(k.senders) s WHERE NOT s = ANY (r.thread_participant_ids))
           FROM (SELECT thread_root_id, conversation_id, count(*)::int AS cnt, max(created_at) AS at,
                        array_agg(DISTINCT sender_id) AS senders
                 FROM inserted WHERE thread_root_id IS NOT NULL GROUP BY thread_root_id, conversation_id) k
           WHERE r.id = k.thread_root_id AND r.conversation_id = k.conversation_id
           RETURNING r.*
         ), followed AS (
           INSERT INTO thread_follows (root_id, user_id, last_read_count)
           SELECT root_id, user_id, max(cnt) FROM (
             SELECT t.id AS root_id, t.sender_id AS user_id, 0 AS cnt FROM threaded t
             UNION ALL
             SELECT t.id, i.sender_id, t.thread_reply_count FROM inserted i JOIN threaded t ON t.id = i.thread_root_id
           ) f GROUP BY root_id, user_id
           ON CONFLICT (root_id, user_id) DO UPDATE
             SET last_read_count = GREATEST(thread_follows.last_read_count, EXCLUDED.last_read_count)
         )`;

/** The statement's rows → one SentRow per item (a reply with its updated root). */
export function withRoots(
  count: number,
  rows: (MessageRow & { idx: number; created: boolean })[],
): (SentRow | undefined)[] {
  const out: (SentRow | undefined)[] = new Array(count).fill(undefined);
  const roots = new Map<string, MessageRow>();
  for (const { idx, created, ...row } of rows) {
    if (idx === ROOT_IDX) roots.set(row.id, row);
    else out[idx] = { row, created };
  }
  if (roots.size > 0)
    for (const sent of out) {
      const root = sent?.created && sent.row.thread_root_id ? roots.get(sent.row.thread_root_id) : undefined;
      if (root) sent!.root = root;
    }
  return out;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** The thread and pin fields of a wire message. */
export function threadFieldsOf(
  r: MessageRow,
): Pick<Message, "threadRootId" | "alsoToConversation" | "thread" | "pinnedAt" | "pinnedBy"> {
  return {
    threadRootId: r.thread_root_id,
    alsoToConversation: r.also_to_conversation,
    thread:
      r.thread_reply_count > 0
        ? {
            replyCount: r.thread_reply_count,
            lastReplyAt: iso(r.thread_last_reply_at),
            participantIds: r.thread_participant_ids,
          }
        : null,
    pinnedAt: iso(r.pinned_at),
    pinnedBy: r.pinned_by,
  };
}
