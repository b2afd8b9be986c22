// Threads, pins and saved items (issue 14): the thread beside a conversation (its page, live replies
// and its root's count, caught up after a reconnect), a conversation's pins kept live, my saved items.
// Replies are sent through the outbox like any message (outbox.send with threadRootId).
import type { Message, PinsResponse, SavedResponse, ThreadResponse, ThreadsResponse } from "@messenger/protocol";
import { applyPinChange } from "../stores/threads";
import type { Auth } from "./auth";
import type { ChatSocket } from "./socket";
import type { ChatStores } from "./stores";

const THREAD_PAGE = 50;

export function createRich(deps: { socket: ChatSocket; auth: Auth; stores: ChatStores }) {
  const { socket, auth } = deps;
  const { threads, openThread, pins, saved } = deps.stores;
  const threadUrl = (cid: string, rootId: string) => `/api/conversations/${cid}/threads/${rootId}`;

  function take(m: Message) {
    if (m.threadRootId && threads.view(m.threadRootId)) threads.mergeReplies(m.threadRootId, m.conversationId, [m]);
    if (threads.view(m.id)) threads.setRoot(m);
    const had = pins.get()[m.conversationId];
    const next = applyPinChange(had, m);
    if (next !== had) pins.update((s) => ({ ...s, [m.conversationId]: next! }));
  }
  socket.on("message:new", take);
  socket.on("message:updated", take);
  // What the open thread missed while disconnected (the conversation's own catch-up does the rest).
  socket.on("connect", () => {
    const open = openThread.get();
    if (open) void catchUpThread(open.conversationId, open.rootId).catch(() => undefined);
  });

  const refreshing = new Set<string>();
  async function refreshRoot(cid: string, rootId: string) {
    refreshing.add(rootId);
    try {
      const page = await auth.api<ThreadResponse>(`${threadUrl(cid, rootId)}?limit=1`);
      deps.stores.messages.merge(cid, [page.root]);
      take(page.root);
    } catch {
      // The next reply or reconnect tries again.
    } finally {
      refreshing.delete(rootId);
    }
  }

  async function loadLatest(cid: string, rootId: string) {
    const page = await auth.api<ThreadResponse>(`${threadUrl(cid, rootId)}?limit=${THREAD_PAGE}`);
    threads.setRoot(page.root);
    threads.mergeReplies(rootId, cid, page.replies);
    threads.edit(rootId, cid, (v) => ({ ...v, loaded: true, hasMoreBefore: page.hasMore }));
  }

  async function catchUpThread(cid: string, rootId: string) {
    const view = threads.view(rootId);
    if (!view?.loaded) return loadLatest(cid, rootId);
    for (;;) {
      const after = threads.view(rootId)?.replies.at(-1)?.seq ?? view.root?.seq ?? 0;
      const page = await auth.api<ThreadResponse>(`${threadUrl(cid, rootId)}?after=${after}&limit=${THREAD_PAGE}`);
      threads.setRoot(page.root);
      threads.mergeReplies(rootId, cid, page.replies);
      if (!page.hasMore) return;
    }
  }

  return {
    /**
     * Messages a catch-up brought: a reply whose root is shown with an older summary missed the root's
     * update while disconnected (pages bring only what is newer), so the root is asked for again.
     */
    caughtUp(cid: string, fetched: readonly Message[]) {
      const newest = new Map<string, Message>();
      for (const m of fetched) if (m.threadRootId) newest.set(m.threadRootId, m);
      for (const [rootId, reply] of newest) {
        const root = deps.stores.messages.findById(cid, rootId);
        if (root && !refreshing.has(rootId) && (root.thread?.lastReplyAt ?? "") < reply.createdAt)
          void refreshRoot(cid, rootId);
      }
    },
    /** Shows the thread beside its conversation and loads it (again after a reconnect). */
    async openThread(cid: string, rootId: string) {
      openThread.set({ conversationId: cid, rootId });
      await catchUpThread(cid, rootId);
      void auth.api(`/api/threads/${rootId}/read`, { method: "PUT" }).catch(() => undefined);
    },
    closeThread: () => openThread.set(null),
    async loadOlderReplies(rootId: string): Promise<boolean> {
      const view = threads.view(rootId);
      if (!view?.hasMoreBefore) return false;
      const before = view.replies[0]?.seq;
      const page = await auth.api<ThreadResponse>(
        `${threadUrl(view.conversationId, rootId)}?${before ? `before=${before}&` : ""}limit=${THREAD_PAGE}`,
      );
      threads.mergeReplies(rootId, view.conversationId, page.replies);
      threads.edit(rootId, view.conversationId, (v) => ({ ...v, hasMoreBefore: page.hasMore }));
      return page.hasMore;
    },
    /** The threads I follow, latest reply first, with their unread replies. */
    followedThreads: async () => (await auth.api<ThreadsResponse>("/api/threads")).threads,
    async loadPins(cid: string) {
      const { messages } = await auth.api<PinsResponse>(`/api/conversations/${cid}/pins`);
      pins.update((s) => ({ ...s, [cid]: messages }));
      return messages;
    },
    async pin(messageId: string, on: boolean) {
      const { message } = await auth.api<{ message: Message }>(`/api/messages/${messageId}/pin`, {
        method: on ? "PUT" : "DELETE",
      });
      take(message);
      deps.stores.messages.merge(message.conversationId, [message]);
      return message;
    },
    async loadSaved() {
      const { items } = await auth.api<SavedResponse>("/api/saved");
      saved.set(new Set(items.map((i) => i.message.id)));
      return items;
    },
    async save(messageId: string, on: boolean) {
      await auth.api(`/api/messages/${messageId}/save`, { method: on ? "PUT" : "DELETE" });
      saved.update((s) => {
        const next = new Set(s ?? []);
        if (on) next.add(messageId);
        else next.delete(messageId);
        return next;
      });
    },
  };
}
export type Rich = ReturnType<typeof createRich>;
