import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/** One registry per app instance (no global state), exposed on GET /metrics. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "chat_" });
  return {
    registry,
    connectedSockets: new Gauge({
      name: "chat_connected_sockets",
      help: "Open socket.io connections",
      registers: [registry],
    }),
    loginLockouts: new Counter({
      name: "chat_login_lockouts_total",
      help: "Login attempts refused by a limit, by which (user-address, address, under-attack)",
      labelNames: ["limit"] as const,
      registers: [registry],
    }),
    messagesSent: new Counter({
      name: "chat_messages_sent_total",
      help: "Messages committed (duplicates of a clientId are not counted)",
      registers: [registry],
    }),
    sendAckSeconds: new Histogram({
      name: "chat_send_ack_seconds",
      help: "message:send received → ack sent",
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    sendBatchSize: new Histogram({
      name: "chat_send_batch_size",
      help: "Sends written per transaction (group commit)",
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500],
      registers: [registry],
    }),
    receiptBatchSize: new Histogram({
      name: "chat_receipt_batch_size",
      help: "Delivered/read moves per statement (group commit; each member's moves coalesce to one row)",
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
      registers: [registry],
    }),
    positionRowsWritten: new Counter({
      name: "chat_position_rows_written_total",
      help: "Rows receipts wrote: member rows (small conversations, one per member who moved) or a big conversation's one positions row per window",
      labelNames: ["table"] as const,
      registers: [registry],
    }),
    receiptWindowSize: new Histogram({
      name: "chat_receipt_window_size",
      help: "Delivered/read moves gathered into one big conversation's window (one write)",
      buckets: [1, 10, 50, 100, 500, 1000, 2000, 5000, 10000],
      registers: [registry],
    }),
    callsEnded: new Counter({
      name: "chat_calls_total",
      help: "1:1 calls ended, by outcome (completed, missed, declined, busy, failed)",
      labelNames: ["outcome", "video"] as const,
      registers: [registry],
    }),
    fanoutSeconds: new Histogram({
      name: "chat_fanout_seconds",
      help: "Time to hand an event to socket.io for all recipients after commit",
      buckets: [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1],
      registers: [registry],
    }),
    processErrors: new Counter({
      name: "chat_process_errors_total",
      help: "Unhandled rejections and uncaught exceptions caught at process level (server.ts), by kind and whether fatal",
      labelNames: ["kind", "fatal"] as const,
      registers: [registry],
    }),
    syncHints: new Counter({
      name: "chat_sync_hints_total",
      help: "sync:hint broadcasts sent after cross-instance events may have been lost (Redis away)",
      registers: [registry],
    }),
  };
}
export type Metrics = ReturnType<typeof createMetrics>;
