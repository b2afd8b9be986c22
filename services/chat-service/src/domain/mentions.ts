import type { MentionsQuery, MentionsResponse, Mentions as WireMentions } from "@messenger/protocol";
import type { CoreDeps } from "../core-deps.js";
import { badRequest } from "../errors.js";
import { toUsers } from "./users.js";

/** `@channel`, `@here` and `@all` mention every member (these words are not usernames here). */
const CHANNEL_WORDS = new Set(["channel", "here", "all"]);
// An @ at the start or after a character that cannot end a username or address ("a@b.com" is no mention).
const MENTION = /(?<![\p{L}\p{N}._-])@([\p{L}\p{N}._-]{2,40})/gu;
const MAX_NAMES = 50;

/** What a body's `@words` could mean: usernames to look up among the members, and a channel mention. */
export function parseMentions(body: string): { usernames: string[]; channel: boolean } {
  const usernames = new Set<string>();
  let channel = false;
  for (const match of body.matchAll(MENTION)) {
    const word = match[1]!.toLowerCase();
    // "@bob." and "@bob," end a sentence: try the word without trailing punctuation too.
    const trimmed = word.replace(/[._-]+$/, "");
    if (CHANNEL_WORDS.has(trimmed)) channel = true;
    else {
      usernames.add(word);
      if (trimmed !== word && trimmed.length > 0) usernames.add(trimmed);
    }
    if (usernames.size >= MAX_NAMES) break;
  }
  return { usernames: [...usernames], channel };
}

const encodeCursor = (mentionId: number) => Buffer.from(String(mentionId)).toString("base64url");
function decodeCursor(cursor: string): number {
  const n = Number(Buffer.from(cursor, "base64url").toString());
  if (!Number.isSafeInteger(n) || n <= 0) throw badRequest("before: not a cursor this server gave out");
  return n;
}

export function createMentionService(deps: Pick<CoreDeps, "stores" | "presence">) {
  const { stores, presence } = deps;
  return {
    /** The mentions a message to this conversation carries: members named, and the channel. */
    async resolve(conversationId: string, body: string): Promise<WireMentions> {
      if (!body.includes("@")) return { userIds: [], channel: false };
      const { usernames, channel } = parseMentions(body);
      return { userIds: await stores.mentions.membersNamed(conversationId, usernames), channel };
    },

    /** `GET /api/mentions`: my mentions in conversations I am in, newest first. */
    async list(userId: string, q: MentionsQuery): Promise<MentionsResponse> {
      const rows = await stores.mentions.listFor(userId, q.before ? decodeCursor(q.before) : null, q.limit + 1);
      const page = rows.slice(0, q.limit);
      const messages = await stores.messages.hydrate(page);
      const conversations = await stores.mentions.conversationSummaries([
        ...new Set(page.map((r) => r.conversation_id)),
      ]);
      const users = await toUsers(await stores.users.findByIds([...new Set(page.map((r) => r.sender_id))]), presence);
      const last = page[page.length - 1];
      return {
        messages,
        conversations,
        users,
        nextCursor: rows.length > q.limit && last ? encodeCursor(last.mention_id) : null,
      };
    },
  };
}
export type MentionService = ReturnType<typeof createMentionService>;
