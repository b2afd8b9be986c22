// Threads: replies to a top-level message, sent through messages.send with `threadRootId` (one seq
// per reply, catch-up unchanged); the root's summary and the followers are kept by the same statement.
import type { FollowedThread, ThreadQuery } from "@messenger/protocol";
import { THREADS_LIST_MAX } from "@messenger/protocol";
import type { CoreDeps } from "../core-deps.js";
import { invalidThreadRoot, notFound } from "../errors.js";
import type { FollowedRow } from "../store/threads.js";

/** Before a reply is written: a non-member hears 404 (as for any send), a bad root `invalid_thread_root`. */
export async function requireThreadRoot(
  deps: Pick<CoreDeps, "stores" | "access">,
  senderId: string,
  conversationId: string,
  rootId: string,
): Promise<void> {
  if (await deps.stores.threads.isRootOf(rootId, conversationId)) return;
  await deps.access.requireMember(conversationId, senderId);
  throw invalidThreadRoot();
}

export function createThreadService(deps: CoreDeps) {
  const { stores, access } = deps;

  async function toFollowed(rows: FollowedRow[]): Promise<FollowedThread[]> {
    const roots = await stores.messages.hydrate(rows);
    return roots.map((root, i) => ({
      root,
      unreadCount: Math.max(0, rows[i]!.thread_reply_count - rows[i]!.last_read_count),
    }));
  }

  /** The root, if the user may see it; 404 for a reply, another conversation's message or a non-member. */
  async function requireRoot(userId: string, rootId: string, conversationId?: string) {
    const { message } = await access.requireMessage(rootId, userId);
    if (message.thread_root_id !== null || (conversationId && message.conversation_id !== conversationId))
      throw notFound("thread");
    return message;
  }

  return {
    async page(userId: string, conversationId: string, rootId: string, q: ThreadQuery) {
      const root = await requireRoot(userId, rootId, conversationId);
      const { rows, hasMore } = await stores.threads.replies(rootId, q);
      const [wireRoot, ...replies] = await stores.messages.hydrate([root, ...rows]);
      return { root: wireRoot!, replies, hasMore };
    },
    async list(userId: string) {
      return { threads: await toFollowed(await stores.threads.followed(userId, THREADS_LIST_MAX)) };
    },
    async markRead(userId: string, rootId: string) {
      const root = await requireRoot(userId, rootId);
      const row = await stores.threads.markRead(rootId, userId);
      if (row) return { thread: (await toFollowed([row]))[0]! };
      // Not followed: nothing to count.
      return { thread: { root: (await stores.messages.hydrate([root]))[0]!, unreadCount: 0 } };
    },
    async follow(userId: string, rootId: string, on: boolean) {
      await requireRoot(userId, rootId);
      if (on) await stores.threads.follow(rootId, userId);
      else await stores.threads.unfollow(rootId, userId);
    },
  };
}
export type ThreadService = ReturnType<typeof createThreadService>;
