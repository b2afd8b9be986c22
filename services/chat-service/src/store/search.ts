// Message search (migration 008's `messages.search`: the words as written with weight A, plus their
// English and Spanish stems; `attachments.name_search`: file names' words). The SQL text depends only
// on how many terms there are; every value is a parameter.
import type { Queryable } from "@messenger/common";
import type { ParsedSearch } from "../domain/search-query.js";
import { COLS, type MessageRow } from "./messages.js";

export function createSearchStore(db: Queryable) {
  return {
    /** Live messages of the user's conversations (or of one of them) matching `p`, newest first. */
    async find(
      userId: string,
      p: ParsedSearch,
      conversationId: string | undefined,
      limit: number,
      q: Queryable = db,
    ): Promise<MessageRow[]> {
      const values: unknown[] = [userId, conversationId ?? null, limit];
      const param = (v: unknown) => {
        values.push(v);
        return `$${values.length}`;
      };
      // A word as typed is a prefix ("welc" → welcome); its stems match other forms ("meetings" → meeting).
      const wordQuery = (w: string) => {
        const k = param(w);
        return `(to_tsquery('simple', quote_literal(${k}) || ':*A') || plainto_tsquery('english', ${k}) || plainto_tsquery('spanish', ${k}))`;
      };
      // A phrase matches the words as written, next to each other (weight A: never across the stemmed parts).
      const phraseQuery = (ph: string) =>
        `regexp_replace(phraseto_tsquery('simple', ${param(ph)})::text, '(''(?:[^'']|'''')*'')', '\\1:A', 'g')::tsquery`;
      const bodyParts = [...p.words.map(wordQuery), ...p.phrases.map(phraseQuery)];
      const where = ["m.deleted_at IS NULL", "($2::uuid IS NULL OR m.conversation_id = $2)"];
      if (bodyParts.length > 0) {
        const body = bodyParts.join(" && ");
        // File names match the typed words as prefixes (no stems, no phrases).
        const names = p.words.length
          ? `UNION ALL SELECT a.message_id FROM attachments a WHERE a.message_id IS NOT NULL AND a.name_search @@ (${p.words
              .map((w) => `to_tsquery('simple', quote_literal(${param(w)}) || ':*')`)
              .join(" && ")})`
          : "";
        where.push(`m.id IN (SELECT x.id FROM messages x WHERE x.search @@ (${body}) ${names})`);
      }
      for (const w of p.excluded) where.push(`NOT m.search @@ to_tsquery('simple', quote_literal(${param(w)}))`);
      if (p.from.length) where.push(`m.sender_id IN (SELECT id FROM users WHERE username = ANY (${param(p.from)}))`);
      if (p.in.length)
        where.push(
          `m.conversation_id IN (SELECT id FROM conversations WHERE kind = 'group'
             AND (lower(title) = ANY (${param(p.in)}) OR regexp_replace(lower(title), '\\s+', '-', 'g') = ANY (${param(p.in)})))`,
        );
      for (const h of p.has) {
        if (h === "link") where.push("m.body ~* 'https?://'");
        else
          where.push(
            `EXISTS (SELECT 1 FROM attachments a WHERE a.message_id = m.id${h === "file" ? "" : ` AND a.kind = ${param(h)}`})`,
          );
      }
      if (p.before) where.push(`m.created_at < (${param(p.before)}::date)::timestamp AT TIME ZONE 'UTC'`);
      if (p.after) where.push(`m.created_at >= (${param(p.after)}::date + 1)::timestamp AT TIME ZONE 'UTC'`);
      const r = await q.query<MessageRow>(
        `SELECT ${COLS} FROM messages m
         JOIN conversation_members cm ON cm.conversation_id = m.conversation_id AND cm.user_id = $1
         WHERE ${where.join(" AND ")}
         ORDER BY m.created_at DESC, m.seq DESC LIMIT $3`,
        values,
      );
      return r.rows;
    },
    /** The words and their stems, lowercase, for marking matches in results. */
    async termsOf(words: string[], q: Queryable = db): Promise<string[]> {
      if (words.length === 0) return [];
      const r = await q.query<{ terms: string[] | null }>(
        `SELECT array_agg(DISTINCT t) AS terms FROM unnest($1::text[]) w,
           LATERAL unnest(ARRAY[w] || ts_lexize('english_stem', w) || ts_lexize('spanish_stem', w)) t`,
        [words],
      );
      return r.rows[0]?.terms ?? [];
    },
  };
}
export type SearchStore = ReturnType<typeof createSearchStore>;
