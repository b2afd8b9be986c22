// The outbox: messages I wrote, until the server has them. Shown at once as pending; sent one at a
// time per conversation, so the server's seq order is the order they were written; re-sent with the
// same clientId after a reconnect (the server makes that idempotent); a refusal that may pass is sent
// again after a backoff, any other shows as failed (Retry / Discard); kept in storage across reloads.
import type { ApiError, Attachment, Message } from "@messenger/protocol";
import type { PendingSend } from "../stores/messages";
import { NO_ANSWER, withAck } from "./ack";
import type { KeyValueStorage } from "./auth";
import { newClientId } from "./ids";
import type { ChatSocket } from "./socket";
import type { ChatStores } from "./stores";

/** How long a send turned away for a passing reason waits before it goes again: doubling from `firstMs` to `maxMs`. */
export interface SendBackoff {
  firstMs: number;
  maxMs: number;
}
export const SEND_BACKOFF: SendBackoff = { firstMs: 1000, maxMs: 30_000 };
/** Refusals that mean "not now" rather than "never": the send budget is spent, the database is down, no answer. */
const PASSING_SEND_ERRORS = new Set(["rate_limited", "internal", "unavailable", "timeout"]);

/**
 * How long to wait before sending again a message the server has turned away `failures` times in a
 * row, the last time with `error`; null when it should show as failed instead (a refusal that will not
 * pass). Passing reasons are retried for as long as the message is in the outbox: the wait doubles
 * from 1 s up to 30 s, ±20 % so that clients refused together do not all come back together.
 */
export function sendRetryDelay(
  error: ApiError,
  failures: number,
  random: () => number = Math.random,
  backoff: SendBackoff = SEND_BACKOFF,
): number | null {
  if (!PASSING_SEND_ERRORS.has(error.code)) return null;
  const base = Math.min(backoff.firstMs * 2 ** Math.min(failures - 1, 30), backoff.maxMs);
  return Math.round(base * (0.8 + 0.4 * random()));
}

/** A message waiting to be sent again after passing refusals (see `sendRetryDelay`). */
interface Backoff {
  clientId: string;
  failures: number;
  /** Set while it waits; the conversation sends nothing else until it fires. */
  timer?: ReturnType<typeof setTimeout>;
}

export function createOutbox(deps: {
  socket: ChatSocket;
  stores: Pick<ChatStores, "messages" | "conversations">;
  me: () => string;
  /** Where unsent messages are kept across reloads (localStorage in the browser). */
  storage?: KeyValueStorage;
  sendBackoff?: SendBackoff;
  /** A message written while reading old history belongs after the newest ones: show those. */
  showLatest: (cid: string) => Promise<void>;
  /** Sending ends the "typing" the conversation's composer announced. */
  stopTyping: (cid: string) => void;
}) {
  const { socket, me, storage } = deps;
  const { messages, conversations } = deps.stores;
  /**
   * One send in flight per conversation: the server handles a socket's events concurrently, so
   * messages typed quickly would otherwise get seqs in a different order than they were written.
   */
  const inFlight = new Map<string, { clientId: string }>();
  /**
   * Per conversation: the message the server last turned away for a passing reason, how many times in
   * a row, and while it waits the timer that sends it again. Nothing behind it goes out meanwhile, so
   * the conversation keeps the order its messages were written in.
   */
  const backoff = new Map<string, Backoff>();

  // Acks of this connection will never come; the reconnect re-sends (same clientIds). A message
  // waiting out a backoff keeps waiting: its timer, not the reconnect, sends it.
  socket.on("disconnect", () => inFlight.clear());

  /** The one place a message is sent: the conversation's oldest unsent one, when nothing else of it is under way. */
  function pump(cid: string) {
    // Not connected: the reconnect pumps again. Waiting out a backoff: its timer does.
    if (!socket.connected || inFlight.has(cid) || backoff.get(cid)?.timer) return;
    const p = messages.timeline(cid).pending.find((x) => x.status === "pending");
    if (!p) return;
    const attempt = { clientId: p.clientId };
    inFlight.set(cid, attempt);
    void withAck<{ message: Message }>((cb) =>
      socket.emit(
        "message:send",
        {
          conversationId: p.conversationId,
          clientId: p.clientId,
          body: p.body,
          attachmentIds: p.attachments.map((a) => a.id),
          replyToId: p.replyToId,
          threadRootId: p.threadRootId ?? null,
          alsoToConversation: p.alsoToConversation ?? false,
        },
        cb,
      ),
    ).then((ack) => {
      if (ack.ok) {
        messages.merge(cid, [ack.message]);
        conversations.applyMessage(ack.message, true);
      }
      // The connection dropped meanwhile (its acks never come): the reconnect re-sends it.
      if (inFlight.get(cid) !== attempt) return;
      inFlight.delete(cid);
      if (!ack.ok) {
        // No answer on a connection that is gone is the reconnect's to re-send, not a refusal.
        if (ack.error.code !== NO_ANSWER.code || socket.connected) refused(cid, p.clientId, ack.error);
      } else if (backoff.get(cid)?.clientId === p.clientId) backoff.delete(cid);
      pump(cid);
    });
  }

  /** Not accepted: sent again after a while if the reason may pass, otherwise shown as failed (Retry, discard). */
  function refused(cid: string, clientId: string, error: ApiError) {
    const prev = backoff.get(cid);
    const failures = (prev?.clientId === clientId ? prev.failures : 0) + 1;
    const wait = sendRetryDelay(error, failures, Math.random, deps.sendBackoff);
    if (wait === null) {
      backoff.delete(cid);
      messages.markFailed(cid, clientId, error);
      return;
    }
    messages.markWaiting(cid, clientId, error);
    const entry: Backoff = { clientId, failures };
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      pump(cid);
    }, wait);
    backoff.set(cid, entry);
  }

  /** Stops the wait of `clientId` if it is the conversation's message waiting out a backoff. */
  function endWait(cid: string, clientId: string) {
    const waiting = backoff.get(cid);
    if (waiting?.clientId !== clientId) return;
    clearTimeout(waiting.timer);
    backoff.delete(cid);
  }

  function send(
    cid: string,
    body: string,
    extra: {
      replyToId?: string | null;
      attachments?: Attachment[];
      threadRootId?: string | null;
      alsoToConversation?: boolean;
    } = {},
  ) {
    const text = body.trim();
    const attachments = extra.attachments ?? [];
    if (!text && attachments.length === 0) return null;
    const p: PendingSend = {
      clientId: newClientId(),
      conversationId: cid,
      senderId: me(),
      body: text,
      attachments,
      replyToId: extra.replyToId ?? null,
      ...(extra.threadRootId
        ? { threadRootId: extra.threadRootId, alsoToConversation: !!extra.alsoToConversation }
        : {}),
      createdAt: new Date().toISOString(),
      status: "pending",
      attempts: 1,
    };
    messages.addPending(p);
    if (messages.timeline(cid).hasMoreAfter && !extra.threadRootId) void deps.showLatest(cid).catch(() => undefined);
    deps.stopTyping(cid);
    pump(cid);
    return p.clientId;
  }

  // ---- kept across a reload or a closed tab -------------------------------------------

  const storageKey = () => `messenger.outbox.${me()}`;
  function save() {
    const all = Object.values(messages.get()).flatMap((tl) => tl.pending);
    if (all.length) storage?.setItem(storageKey(), JSON.stringify(all));
    else storage?.removeItem(storageKey());
  }
  let savedPending: unknown[] = [];
  const stopSaving = messages.subscribe(() => {
    const pendings = Object.values(messages.get()).map((tl) => tl.pending);
    if (pendings.length === savedPending.length && pendings.every((p, i) => p === savedPending[i])) return;
    savedPending = pendings;
    save();
  });

  return {
    send,
    /**
     * Retry (a failed message) or Retry now (one waiting out its backoff). Same clientId: if an earlier
     * attempt did reach the server, this returns that message, never a second one.
     */
    retry(cid: string, clientId: string) {
      endWait(cid, clientId);
      messages.markRetrying(cid, clientId);
      pump(cid);
    },
    discard(cid: string, clientId: string) {
      // A discarded message waiting out its backoff no longer holds back those written after it.
      endWait(cid, clientId);
      messages.removePending(cid, clientId);
      pump(cid);
    },
    /** After a reconnect: every conversation with unacked messages sends its oldest. */
    flushUnacked() {
      for (const cid of new Set(messages.unacked().map((p) => p.conversationId))) pump(cid);
    },
    /** The messages left unsent when the page was last closed, back in their timelines. */
    restore() {
      const raw = storage?.getItem(storageKey());
      if (!raw) return;
      try {
        for (const p of JSON.parse(raw) as PendingSend[]) messages.addPending(p);
      } catch {
        storage?.removeItem(storageKey());
      }
    },
    /** A conversation I am no longer in: its message waiting out a backoff waits no more. */
    forget(cid: string) {
      clearTimeout(backoff.get(cid)?.timer);
      backoff.delete(cid);
    },
    dispose() {
      stopSaving();
      for (const b of backoff.values()) clearTimeout(b.timer);
      backoff.clear();
    },
  };
}
export type Outbox = ReturnType<typeof createOutbox>;
