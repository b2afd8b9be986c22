import type { ReceiptKind } from "@messenger/protocol";
import type { CoreDeps } from "../core-deps.js";
import { notFound } from "../errors.js";
import type { MovedPosition, PositionResult, PositionTarget } from "../store/index.js";
import { createGroupCommit, type Outcome } from "./group-commit.js";
import type { Origin } from "./messages.js";

/** One delivered/read move a socket asked for, waiting for its batch. */
interface PendingReceipt {
  userId: string;
  conversationId: string;
  kind: ReceiptKind;
  seq: number;
  socketId?: string;
}

const keyOfReceipt = (r: PendingReceipt) => `${r.conversationId}|${r.userId}`;

/** A concurrent send's position update locked the same member rows in another order. */
const isDeadlock = (err: unknown) => err instanceof Error && "code" in err && err.code === "40P01";

/**
 * Read/delivered positions. Moves go through a group commit: those that arrive while a write is
 * in flight wait for the next one, and a member's many moves in one batch become one row of one
 * statement (the highest of each kind), so a client scrolling through a backlog costs one write
 * per window, not one per message. A lone move is written at once. The ack means "stored".
 *
 * A move is heard only by the sockets that show it: the member's other devices (unread, and their
 * own view of the position) and the senders of the messages it crossed (their ticks), never the
 * whole conversation, so in a big group a read costs its readers' senders, not every member.
 */
export function createReceiptService(deps: CoreDeps) {
  const { stores, hub, metrics } = deps;

  /** Sockets that asked for at least `seq` already show it: they get their ack, not an echo. */
  const askedFor = (requests: PendingReceipt[], covers: (r: PendingReceipt) => boolean) =>
    requests.flatMap((r) => (r.socketId && covers(r) ? [r.socketId] : []));

  // Told of every read position that moved, after it was stored (push notifications close).
  const readListeners = new Set<(userId: string, conversationId: string, seq: number) => void>();

  function publish(conversationId: string, userId: string, moved: MovedPosition, requests: PendingReceipt[]) {
    const started = performance.now();
    if (moved.readTo > moved.readFrom) {
      for (const fn of readListeners) fn(userId, conversationId, moved.readTo);
      hub
        .toUsers([userId, ...moved.readSenders], {
          exceptSocketIds: askedFor(requests, (r) => r.kind === "read" && r.seq >= moved.readTo),
        })
        .emit("receipt", { conversationId, userId, kind: "read", seq: moved.readTo });
    }
    // A read receipt also moves delivery to its seq on the client: say "delivered" only when it went further.
    if (moved.deliveredTo > moved.deliveredFrom && moved.deliveredTo > moved.readTo) {
      hub
        .toUsers([userId, ...moved.deliveredSenders], {
          exceptSocketIds: askedFor(requests, (r) => r.seq >= moved.deliveredTo),
        })
        .emit("receipt", { conversationId, userId, kind: "delivered", seq: moved.deliveredTo });
    }
    metrics.fanoutSeconds.observe((performance.now() - started) / 1000);
  }

  /**
   * Writes a batch: the highest requested seq per (conversation, member, kind), one statement.
   * Events go out before the group commit frees the key, so one member's receipts leave in the
   * order their positions moved.
   */
  async function writeBatch(batch: PendingReceipt[]): Promise<Outcome<void>[]> {
    const targets = new Map<string, PositionTarget & { requests: PendingReceipt[] }>();
    for (const r of batch) {
      const key = keyOfReceipt(r);
      let t = targets.get(key);
      if (!t) {
        t = { conversationId: r.conversationId, userId: r.userId, readSeq: 0, deliveredSeq: 0, requests: [] };
        targets.set(key, t);
      }
      if (r.kind === "read") t.readSeq = Math.max(t.readSeq, r.seq);
      else t.deliveredSeq = Math.max(t.deliveredSeq, r.seq);
      t.requests.push(r);
    }
    let results: PositionResult[];
    for (let attempt = 1; ; attempt++) {
      try {
        results = await stores.conversations.advancePositions([...targets.values()]);
        break;
      } catch (err) {
        if (attempt < 5 && isDeadlock(err)) continue;
        throw err;
      }
    }
    const members = new Set<string>();
    for (const { conversationId, userId, moved } of results) {
      const key = `${conversationId}|${userId}`;
      members.add(key);
      if (moved) publish(conversationId, userId, moved, targets.get(key)!.requests);
    }
    // Not a member, or no such conversation: the same 404 as every other access check.
    return batch.map((r) =>
      members.has(keyOfReceipt(r)) ? { ok: true, value: undefined } : { ok: false, error: notFound("conversation") },
    );
  }

  const writes = createGroupCommit<PendingReceipt, void>({
    write: writeBatch,
    keyOf: keyOfReceipt,
    maxBatch: 1000,
    concurrency: 2,
    onBatch: (size) => metrics.receiptBatchSize.observe(size),
  });

  return {
    /** Calls `fn` each time a member's read position moved (stored); `fn` must not throw or wait. */
    onRead(fn: (userId: string, conversationId: string, seq: number) => void): void {
      readListeners.add(fn);
    },
    /**
     * Moves my read/delivered position forward only (never past the last message); resolves once
     * stored. Membership is checked by the batch's statement itself (404 otherwise), so a move
     * costs no query of its own.
     */
    async mark(userId: string, conversationId: string, kind: ReceiptKind, seq: number, origin: Origin = {}) {
      await writes.push({ userId, conversationId, kind, seq, socketId: origin.socketId });
    },
  };
}
export type ReceiptService = ReturnType<typeof createReceiptService>;
