import type { Db, Queryable } from "@messenger/common";
import { withTransaction } from "@messenger/common";

export type CallState = "ringing" | "active" | "ended";

export interface CallRow {
  id: string;
  conversation_id: string;
  caller_id: string;
  callee_id: string;
  video: boolean;
  state: CallState;
  caller_socket: string;
  callee_socket: string | null;
  end_reason: string | null;
  created_at: Date;
  answered_at: Date | null;
  ended_at: Date | null;
}

export type CreateResult = "ringing" | "duplicate" | "caller-busy" | "callee-busy";

export interface NewCall {
  id: string;
  conversationId: string;
  callerId: string;
  calleeId: string;
  video: boolean;
  callerSocket: string;
}

/** Rolls the whole attempt back. */
class Busy extends Error {
  constructor(readonly result: "caller-busy" | "callee-busy") {
    super(result);
  }
}

const CALL =
  "id, conversation_id, caller_id, callee_id, video, state, caller_socket, callee_socket, end_reason, created_at, answered_at, ended_at";

/** Call state in PostgreSQL: every transition is one guarded statement, so instances never disagree. */
export function createCallStore(db: Db) {
  return {
    /**
     * Starts ringing unless either side is already in a live call. The
     * call_participants primary key decides races between instances. Nothing is
     * written unless the call starts ringing.
     */
    async create(call: NewCall): Promise<CreateResult> {
      try {
        return await withTransaction(db, async (tx) => {
          const ins = await tx.query(
            `INSERT INTO calls (id, conversation_id, caller_id, callee_id, video, state, caller_socket)
             VALUES ($1, $2, $3, $4, $5, 'ringing', $6) ON CONFLICT (id) DO NOTHING RETURNING id`,
            [call.id, call.conversationId, call.callerId, call.calleeId, call.video, call.callerSocket],
          );
          if (ins.rowCount === 0) return "duplicate" as const;
          const claim = (userId: string) =>
            tx.query(
              "INSERT INTO call_participants (user_id, call_id) VALUES ($1, $2) ON CONFLICT (user_id) DO NOTHING RETURNING user_id",
              [userId, call.id],
            );
          if ((await claim(call.callerId)).rowCount === 0) throw new Busy("caller-busy");
          if ((await claim(call.calleeId)).rowCount === 0) throw new Busy("callee-busy");
          return "ringing" as const;
        });
      } catch (err) {
        if (err instanceof Busy) return err.result;
        throw err;
      }
    },

    /** Keeps an attempt that never rang (the callee was busy) on record, already ended. */
    async recordEnded(call: NewCall, reason: string): Promise<CallRow | null> {
      const r = await db.query<CallRow>(
        `INSERT INTO calls (id, conversation_id, caller_id, callee_id, video, state, caller_socket, end_reason, ended_at)
         VALUES ($1, $2, $3, $4, $5, 'ended', $6, $7, now()) ON CONFLICT (id) DO NOTHING RETURNING ${CALL}`,
        [call.id, call.conversationId, call.callerId, call.calleeId, call.video, call.callerSocket, reason],
      );
      return r.rows[0] ?? null;
    },

    async get(callId: string, q: Queryable = db): Promise<CallRow | null> {
      const r = await q.query<CallRow>(`SELECT ${CALL} FROM calls WHERE id = $1`, [callId]);
      return r.rows[0] ?? null;
    },

    /** ringing → active, for the callee only, once: a second device accepting gets null. */
    async accept(callId: string, calleeId: string, socketId: string): Promise<CallRow | null> {
      const r = await db.query<CallRow>(
        `UPDATE calls SET state = 'active', callee_socket = $3, answered_at = now()
         WHERE id = $1 AND callee_id = $2 AND state = 'ringing' RETURNING ${CALL}`,
        [callId, calleeId, socketId],
      );
      return r.rows[0] ?? null;
    },

    /**
     * Ends the call if it is still in one of `from` (and, when given, still bound
     * to `boundSocket` on that side): whoever gets the row back owns the ending and
     * its notifications; everyone else gets null.
     */
    async end(
      callId: string,
      reason: string,
      from: CallState[],
      guard?: { role: "caller" | "callee"; socketId: string },
    ): Promise<CallRow | null> {
      const guardSql = guard ? `AND ${guard.role === "caller" ? "caller_socket" : "callee_socket"} = $4` : "";
      const params: unknown[] = [callId, reason, from];
      if (guard) params.push(guard.socketId);
      const r = await db.query<CallRow>(
        `WITH ended AS (
           UPDATE calls SET state = 'ended', end_reason = $2, ended_at = now()
           WHERE id = $1 AND state = ANY($3::text[]) ${guardSql} RETURNING ${CALL}
         ), freed AS (
           DELETE FROM call_participants WHERE call_id IN (SELECT id FROM ended)
         )
         SELECT * FROM ended`,
        params,
      );
      return r.rows[0] ?? null;
    },

    /** A participant's reconnected device takes over the call's signalling. */
    async rebind(
      callId: string,
      role: "caller" | "callee",
      fromSocket: string,
      toSocket: string,
    ): Promise<CallRow | null> {
      const column = role === "caller" ? "caller_socket" : "callee_socket";
      const r = await db.query<CallRow>(
        `UPDATE calls SET ${column} = $3 WHERE id = $1 AND state <> 'ended' AND ${column} = $2 RETURNING ${CALL}`,
        [callId, fromSocket, toSocket],
      );
      return r.rows[0] ?? null;
    },

    async liveBySocket(socketId: string): Promise<CallRow[]> {
      const r = await db.query<CallRow>(
        `SELECT ${CALL} FROM calls WHERE state <> 'ended' AND caller_socket = $1
         UNION ALL
         SELECT ${CALL} FROM calls WHERE state <> 'ended' AND callee_socket = $1`,
        [socketId],
      );
      return r.rows;
    },

    async ringingFor(userId: string): Promise<CallRow[]> {
      const r = await db.query<CallRow>(`SELECT ${CALL} FROM calls WHERE callee_id = $1 AND state = 'ringing'`, [
        userId,
      ]);
      return r.rows;
    },

    async liveCallOf(userId: string): Promise<CallRow | null> {
      const r = await db.query<CallRow>(
        `SELECT ${CALL} FROM calls WHERE id = (SELECT call_id FROM call_participants WHERE user_id = $1)`,
        [userId],
      );
      return r.rows[0] ?? null;
    },
  };
}
export type CallStore = ReturnType<typeof createCallStore>;
