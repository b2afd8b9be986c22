import { withTransaction } from "@messenger/common";
import type { MessageReceiptsResponse, ReceiptKind, ReceiptsQuery } from "@messenger/protocol";
import type { CoreDeps } from "../core-deps.js";
import { notFound } from "../errors.js";
import type { MovedPosition, PositionResult, PositionTarget } from "../store/index.js";
import { createGroupCommit, type Outcome } from "./group-commit.js";
import { decodeCursor, encodeCursor } from "./member-cursor.js";
import type { Origin } from "./messages.js";
import { createWindows } from "./receipt-windows.js";
import { toUsers } from "./users.js";

/** One delivered/read move a socket asked for, waiting for its batch. */
interface PendingReceipt {
  userId: string;
  conversationId: string;
  kind: ReceiptKind;
  seq: number;
  socketId?: string;
}

const keyOfReceipt = (r: PendingReceipt) => `${r.conversationId}|${r.userId}`;

type Target = PositionTarget & { requests: PendingReceipt[] };

/** A member's many moves become one target: the highest requested seq of each kind. */
function coalesce(batch: PendingReceipt[]): Map<string, Target> {
  const targets = new Map<string, Target>();
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
  return targets;
}

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
 *
 * In a big conversation (more than BIG_CONVERSATION_MEMBERS members) every member moves with every
 * message, so moves gather for BIG_CONVERSATION_RECEIPT_WINDOW_MS and the window is one statement
 * that rewrites the conversation's one positions row (store/positions.ts): one row per window
 * instead of one per member. Its senders hear reads (their "seen by N"), not deliveries.
 */
export function createReceiptService(deps: CoreDeps) {
  const { db, stores, hub, metrics, sizes, config } = deps;

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
    const targets = coalesce(batch);
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
    metrics.positionRowsWritten.inc({ table: "conversation_members" }, results.filter((x) => x.moved).length);
    return settle(batch, targets, results);
  }

  /** Publishes what moved; a move by someone who is not a member (or of no conversation) is a 404. */
  function settle(batch: PendingReceipt[], targets: Map<string, Target>, results: PositionResult[]): Outcome<void>[] {
    const members = new Set<string>();
    for (const { conversationId, userId, moved } of results) {
      const key = `${conversationId}|${userId}`;
      members.add(key);
      if (moved) publish(conversationId, userId, moved, targets.get(key)!.requests);
    }
    return batch.map((r) =>
      members.has(keyOfReceipt(r)) ? { ok: true, value: undefined } : { ok: false, error: notFound("conversation") },
    );
  }

  /** One big conversation's window: one locked statement for every member who moved in it. */
  async function writeWindow(conversationId: string, batch: PendingReceipt[]): Promise<Outcome<void>[]> {
    const targets = coalesce(batch);
    const results = await withTransaction(db, async (tx) => {
      await stores.positions.lock(conversationId, tx);
      return stores.positions.advance(conversationId, [...targets.values()], tx);
    });
    if (results.some((x) => x.moved)) metrics.positionRowsWritten.inc({ table: "conversation_positions" });
    return settle(batch, targets, results);
  }

  const windows = createWindows<PendingReceipt>({
    windowMs: config.BIG_CONVERSATION_RECEIPT_WINDOW_MS,
    keyOf: (r) => r.conversationId,
    write: writeWindow,
    onWindow: (size) => metrics.receiptWindowSize.observe(size),
  });

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
      const receipt = { userId, conversationId, kind, seq, socketId: origin.socketId };
      if (await sizes.isBig(conversationId)) await windows.push(receipt);
      else await writes.push(receipt);
    },
    /**
     * Who has read / received a message (the "seen by N" of a big group, fetched on demand): counts
     * and a page in join order. Positions still in an open window are not counted until written.
     */
    async who(
      conversationId: string,
      messageId: string,
      userId: string,
      q: ReceiptsQuery,
    ): Promise<MessageReceiptsResponse> {
      const { message } = await deps.access.requireMessage(messageId, userId);
      if (message.conversation_id !== conversationId) throw notFound("message");
      const after = q.cursor ? decodeCursor(q.cursor) : null;
      const m = { seq: message.seq, senderId: message.sender_id };
      const { readCount, deliveredCount, page } = await stores.positions.receipts(
        conversationId,
        m,
        q.status,
        after,
        q.limit + 1,
      );
      const shown = page.slice(0, q.limit);
      const users = new Map(
        (await toUsers(await stores.users.findByIds(shown.map((r) => r.user_id)), deps.presence)).map((u) => [u.id, u]),
      );
      const last = shown[shown.length - 1];
      return {
        readCount,
        deliveredCount,
        users: shown.flatMap((r) => users.get(r.user_id) ?? []),
        nextCursor: page.length > q.limit && last ? encodeCursor(last) : null,
      };
    },
    /** Writes the open windows (shutdown). */
    close: () => windows.flush(),
  };
}
export type ReceiptService = ReturnType<typeof createReceiptService>;
