import type { Config } from "../config.js";
import type { Stores } from "../store/index.js";

/** How long a member count is believed: crossing the threshold takes effect within this. */
const TTL_MS = 10_000;
/** Bounds memory: past this many cached conversations the oldest go. */
const MAX_ENTRIES = 50_000;

/**
 * Whether a conversation is big (more than BIG_CONVERSATION_MEMBERS members), asked on the hot
 * paths (every receipt, every typing): member counts cached briefly, so it costs no query per event.
 * A stale answer is harmless: positions read the greater of both places they are kept.
 */
export function createConversationSizes(stores: Stores, config: Config) {
  const cache = new Map<string, { count: number; at: number }>();
  const threshold = config.BIG_CONVERSATION_MEMBERS;
  return {
    threshold,
    isBigCount: (count: number) => count > threshold,
    async isBig(conversationId: string): Promise<boolean> {
      const now = Date.now();
      const hit = cache.get(conversationId);
      if (hit && now - hit.at < TTL_MS) return hit.count > threshold;
      const counts = await stores.positions.memberCounts([conversationId]);
      const count = counts.get(conversationId) ?? 0;
      cache.delete(conversationId);
      cache.set(conversationId, { count, at: now });
      if (cache.size > MAX_ENTRIES) cache.delete(cache.keys().next().value!);
      return count > threshold;
    },
  };
}
export type ConversationSizes = ReturnType<typeof createConversationSizes>;
