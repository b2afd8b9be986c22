// Threads, pins and saved items as the client holds them. A thread's replies are also in their
// conversation's timeline (they take a seq like every message, so catch-up fills both); this is the
// thread's own view: its root, the replies loaded so far in seq order, and whether older ones remain.
import type { Message } from "@messenger/protocol";
import { createStore } from "./store";

export interface ThreadView {
  conversationId: string;
  root: Message | null;
  /** Ascending by seq, one per seq. */
  replies: Message[];
  loaded: boolean;
  hasMoreBefore: boolean;
}

export const emptyThread = (conversationId: string): ThreadView => ({
  conversationId,
  root: null,
  replies: [],
  loaded: false,
  hasMoreBefore: false,
});

/** Merges replies from any source (page, live event, ack, catch-up): one per seq, newer copies win. */
export function mergeReplies(view: ThreadView, incoming: readonly Message[]): ThreadView {
  if (incoming.length === 0) return view;
  const bySeq = new Map(view.replies.map((m) => [m.seq, m]));
  let changed = false;
  for (const m of incoming) {
    const had = bySeq.get(m.seq);
    if (had === m || (had?.deletedAt && !m.deletedAt)) continue;
    bySeq.set(m.seq, m);
    changed = true;
  }
  if (!changed) return view;
  return { ...view, replies: [...bySeq.values()].sort((a, b) => a.seq - b.seq) };
}

/** A thread reply that the conversation's main timeline does not show. */
export const isThreadOnly = (m: { threadRootId?: string | null; alsoToConversation?: boolean }) =>
  !!m.threadRootId && !m.alsoToConversation;

export function createThreadsStore() {
  const store = createStore<Readonly<Record<string, ThreadView>>>({});
  const edit = (rootId: string, conversationId: string, fn: (v: ThreadView) => ThreadView) =>
    store.update((s) => {
      const prev = s[rootId] ?? emptyThread(conversationId);
      const next = fn(prev);
      return next === prev ? s : { ...s, [rootId]: next };
    });
  return {
    ...store,
    view: (rootId: string): ThreadView | undefined => store.get()[rootId],
    edit,
    mergeReplies: (rootId: string, conversationId: string, msgs: readonly Message[]) =>
      edit(rootId, conversationId, (v) => mergeReplies(v, msgs)),
    setRoot: (root: Message) => edit(root.id, root.conversationId, (v) => (v.root === root ? v : { ...v, root })),
  };
}
export type ThreadsStore = ReturnType<typeof createThreadsStore>;

/** The thread shown beside its conversation (null: none). */
export interface OpenThread {
  conversationId: string;
  rootId: string;
}

/** A conversation's pinned messages, latest pin first (absent: never asked). */
export function applyPinChange(pins: readonly Message[] | undefined, m: Message): readonly Message[] | undefined {
  if (!pins) return pins;
  const rest = pins.filter((p) => p.id !== m.id);
  if (!m.pinnedAt || m.deletedAt) return rest.length === pins.length ? pins : rest;
  return [m, ...rest].sort((a, b) => (b.pinnedAt ?? "").localeCompare(a.pinnedAt ?? ""));
}

/** The stores of threads, pins and saved items (part of the client's stores, core/stores.ts). */
export function createRichStores() {
  return {
    threads: createThreadsStore(),
    openThread: createStore<OpenThread | null>(null),
    pins: createStore<Readonly<Record<string, readonly Message[]>>>({}),
    /** Ids of my saved messages (null until first loaded). */
    saved: createStore<ReadonlySet<string> | null>(null),
  };
}
