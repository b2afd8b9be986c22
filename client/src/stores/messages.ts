import type { ApiError, Attachment, Message } from "@messenger/protocol";
import { createStore } from "./store";

/** A message typed here that the server has not acknowledged yet (or refused). Keyed by its clientId. */
export interface PendingSend {
  clientId: string;
  conversationId: string;
  senderId: string;
  body: string;
  attachments: Attachment[];
  replyToId: string | null;
  /** A thread reply (shown in the thread, not the timeline, unless also sent to the conversation). */
  threadRootId?: string | null;
  alsoToConversation?: boolean;
  createdAt: string;
  status: "pending" | "failed";
  /** Why it failed; while pending, why the last attempt did not go through (it goes again by itself). */
  error?: ApiError;
  attempts: number;
}

/** What the chat window shows for one conversation. */
export interface Timeline {
  /** Ascending by seq; one entry per seq (the server's seq is gap-free and unique per conversation). */
  messages: Message[];
  /** Sends not yet acknowledged, in the order they were typed. */
  pending: PendingSend[];
  /** The latest page has been fetched at least once. */
  loaded: boolean;
  /** The server has messages older than `messages[0]`. */
  hasMoreBefore: boolean;
  /** How many messages were ever inserted above the first one shown: lets the virtualised list keep its place. */
  prepended: number;
  /**
   * The server has messages newer than the last one shown: a window opened on older history (a search
   * result). Live messages are not added to it (they would leave a hole); newer pages are, until it
   * reaches the newest message again.
   */
  hasMoreAfter: boolean;
  /** Bumped whenever the messages are replaced by ones that do not continue them: the list starts over there. */
  epoch: number;
}

export const emptyTimeline: Timeline = Object.freeze({
  messages: [],
  pending: [],
  loaded: false,
  hasMoreBefore: true,
  prepended: 0,
  hasMoreAfter: false,
  epoch: 0,
}) as Timeline;

/**
 * Merges messages from any source (ack, live event, page, catch-up) into a timeline:
 * dedupes by seq, keeps seq order, replaces older copies (edits, reactions, media ready),
 * and drops the pending send each one confirms (same clientId), so nothing shows twice.
 */
export function mergeMessages(tl: Timeline, incoming: readonly Message[]): Timeline {
  if (incoming.length === 0) return tl;
  const bySeq = new Map<number, Message>();
  for (const m of tl.messages) bySeq.set(m.seq, m);
  const firstSeq = tl.messages[0]?.seq;
  // A window on older history takes updates of what it shows, never messages beyond its end.
  const endSeq = tl.hasMoreAfter ? lastSeq(tl) : Number.POSITIVE_INFINITY;
  let prepended = 0;
  let changed = false;
  for (const m of incoming) {
    if (m.seq > endSeq) continue;
    const existing = bySeq.get(m.seq);
    if (existing === undefined) {
      if (firstSeq !== undefined && m.seq < firstSeq) prepended++;
      bySeq.set(m.seq, m);
      changed = true;
    } else if (existing !== m && !isStale(m, existing)) {
      bySeq.set(m.seq, m);
      changed = true;
    }
  }
  const confirmed = new Set(incoming.map((m) => m.clientId));
  const pending = tl.pending.filter((p) => !confirmed.has(p.clientId));
  if (!changed && pending.length === tl.pending.length) return tl;
  const messages = changed ? [...bySeq.values()].sort((a, b) => a.seq - b.seq) : tl.messages;
  return { ...tl, messages, pending, prepended: tl.prepended + prepended };
}

/** A copy that carries less than the one we hold (a page fetched before an edit or delete arrived). */
function isStale(incoming: Message, existing: Message): boolean {
  if (existing.deletedAt && !incoming.deletedAt) return true;
  if (existing.editedAt && (!incoming.editedAt || incoming.editedAt < existing.editedAt)) return true;
  return false;
}

/**
 * A page from `GET …/messages`: `before` = the older page, `after` = the newer page of a window on
 * older history (`hasMore` false: it has reached the newest message), otherwise the latest page.
 */
export function applyPage(
  tl: Timeline,
  page: readonly Message[],
  hasMore: boolean,
  direction: "latest" | "before" | "after",
): Timeline {
  if (direction === "after") {
    const merged = mergeMessages({ ...tl, hasMoreAfter: false }, page);
    return { ...merged, loaded: true, hasMoreAfter: hasMore };
  }
  const merged = mergeMessages(tl, page);
  return { ...merged, loaded: true, hasMoreBefore: direction === "before" || !tl.loaded ? hasMore : tl.hasMoreBefore };
}

/**
 * Replaces what is shown by the messages around one that is not loaded (a search result far back):
 * `hasMoreBefore` / `hasMoreAfter` say whether the server has older / newer ones. Unsent messages stay.
 */
export function applyWindow(
  tl: Timeline,
  around: readonly Message[],
  hasMoreBefore: boolean,
  hasMoreAfter: boolean,
): Timeline {
  const bySeq = new Map(around.map((m) => [m.seq, m]));
  const messages = [...bySeq.values()].sort((a, b) => a.seq - b.seq);
  const confirmed = new Set(messages.map((m) => m.clientId));
  return {
    messages,
    pending: tl.pending.filter((p) => !confirmed.has(p.clientId)),
    loaded: true,
    hasMoreBefore,
    hasMoreAfter,
    prepended: 0,
    epoch: tl.epoch + 1,
  };
}

export function addPending(tl: Timeline, p: PendingSend): Timeline {
  if (tl.pending.some((x) => x.clientId === p.clientId)) return tl;
  if (tl.messages.some((m) => m.clientId === p.clientId && m.senderId === p.senderId)) return tl;
  return { ...tl, pending: [...tl.pending, p] };
}

/** Turned away for a passing reason: still pending, and the UI can say why it has not gone yet. */
export function markWaiting(tl: Timeline, clientId: string, error: ApiError): Timeline {
  return mapPending(tl, clientId, (p) => ({ ...p, error }));
}

export function markFailed(tl: Timeline, clientId: string, error: ApiError): Timeline {
  return mapPending(tl, clientId, (p) => ({ ...p, status: "failed", error }));
}

/** Retry keeps the clientId: the server treats the re-send as the same message. */
export function markRetrying(tl: Timeline, clientId: string): Timeline {
  return mapPending(tl, clientId, (p) => ({ ...p, status: "pending", error: undefined, attempts: p.attempts + 1 }));
}

export function removePending(tl: Timeline, clientId: string): Timeline {
  const pending = tl.pending.filter((p) => p.clientId !== clientId);
  return pending.length === tl.pending.length ? tl : { ...tl, pending };
}

function mapPending(tl: Timeline, clientId: string, fn: (p: PendingSend) => PendingSend): Timeline {
  let hit = false;
  const pending = tl.pending.map((p) => {
    if (p.clientId !== clientId) return p;
    hit = true;
    return fn(p);
  });
  return hit ? { ...tl, pending } : tl;
}

/**
 * Where to resume after a disconnect: the highest seq such that every message from the first one
 * shown up to it is here. Fetching `?after=` this fills any hole left by missed live events too.
 */
export function catchUpCursor(tl: Timeline): number {
  const msgs = tl.messages;
  if (msgs.length === 0) return 0;
  let cursor = msgs[0]!.seq;
  for (let i = 1; i < msgs.length; i++) {
    const seq = msgs[i]!.seq;
    if (seq !== cursor + 1) break;
    cursor = seq;
  }
  return cursor;
}

export function lastSeq(tl: Timeline): number {
  return tl.messages.at(-1)?.seq ?? 0;
}

/** A live message that does not follow the last one means events were missed: time to catch up. */
export function leavesGap(tl: Timeline, m: Message): boolean {
  return tl.loaded && !tl.hasMoreAfter && tl.messages.length > 0 && m.seq > lastSeq(tl) + 1;
}

// ---- the store: timelines of every conversation -------------------------------------------

export type MessagesState = Readonly<Record<string, Timeline>>;

export function createMessagesStore() {
  const store = createStore<MessagesState>({});
  const edit = (conversationId: string, fn: (tl: Timeline) => Timeline) =>
    store.update((s) => {
      const prev = s[conversationId] ?? emptyTimeline;
      const next = fn(prev);
      return next === prev ? s : { ...s, [conversationId]: next };
    });
  return {
    ...store,
    timeline: (conversationId: string): Timeline => store.get()[conversationId] ?? emptyTimeline,
    merge: (conversationId: string, msgs: readonly Message[]) => edit(conversationId, (tl) => mergeMessages(tl, msgs)),
    applyPage: (
      conversationId: string,
      msgs: readonly Message[],
      hasMore: boolean,
      direction: "latest" | "before" | "after",
    ) => edit(conversationId, (tl) => applyPage(tl, msgs, hasMore, direction)),
    applyWindow: (conversationId: string, msgs: readonly Message[], hasMoreBefore: boolean, hasMoreAfter: boolean) =>
      edit(conversationId, (tl) => applyWindow(tl, msgs, hasMoreBefore, hasMoreAfter)),
    addPending: (p: PendingSend) => edit(p.conversationId, (tl) => addPending(tl, p)),
    markWaiting: (conversationId: string, clientId: string, error: ApiError) =>
      edit(conversationId, (tl) => markWaiting(tl, clientId, error)),
    markFailed: (conversationId: string, clientId: string, error: ApiError) =>
      edit(conversationId, (tl) => markFailed(tl, clientId, error)),
    markRetrying: (conversationId: string, clientId: string) =>
      edit(conversationId, (tl) => markRetrying(tl, clientId)),
    removePending: (conversationId: string, clientId: string) =>
      edit(conversationId, (tl) => removePending(tl, clientId)),
    /** Every unacknowledged send that is not marked failed: what a reconnect re-sends. */
    unacked: (): PendingSend[] =>
      Object.values(store.get()).flatMap((tl) => tl.pending.filter((p) => p.status === "pending")),
    /** Forget a conversation's timeline (left the conversation, or too far behind to catch up page by page). */
    reset: (conversationId: string) =>
      edit(conversationId, (tl) => ({ ...emptyTimeline, pending: tl.pending, epoch: tl.epoch + 1 })),
    /** Drop a conversation entirely, pending sends included (no longer a member). */
    remove: (conversationId: string) =>
      store.update((s) => {
        if (!(conversationId in s)) return s;
        const { [conversationId]: _gone, ...rest } = s;
        return rest;
      }),
    findById: (conversationId: string, id: string): Message | undefined =>
      store.get()[conversationId]?.messages.find((m) => m.id === id),
  };
}
export type MessagesStore = ReturnType<typeof createMessagesStore>;
