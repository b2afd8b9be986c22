// Message search: what the box says (search-query.ts) → the user's own conversations only → results
// with the words and stems to highlight. Reads only: the send path is untouched (the index is a
// generated column, see migration 008).
import type { SearchResponse } from "@messenger/protocol";
import type { CoreDeps } from "../core-deps.js";
import { isEmptySearch, parseSearch } from "./search-query.js";
import { toUsers } from "./users.js";

export const SEARCH_RESULTS_MAX = 50;

export function createSearchService(deps: CoreDeps) {
  const { stores, access } = deps;
  return {
    async search(userId: string, text: string, conversationId?: string): Promise<SearchResponse> {
      if (conversationId) await access.requireMember(conversationId, userId);
      const parsed = parseSearch(text);
      if (isEmptySearch(parsed)) return { messages: [], users: [], terms: [] };
      const [rows, terms] = await Promise.all([
        stores.search.find(userId, parsed, conversationId, SEARCH_RESULTS_MAX),
        stores.search.termsOf([...parsed.words, ...parsed.phrases.flatMap((p) => p.split(" "))]),
      ]);
      const authors = await stores.users.findByIds([...new Set(rows.map((r) => r.sender_id))]);
      return { messages: await stores.messages.hydrate(rows), users: await toUsers(authors, deps.presence), terms };
    },
  };
}
export type SearchService = ReturnType<typeof createSearchService>;
