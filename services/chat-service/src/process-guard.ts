import type { FastifyBaseLogger } from "fastify";
import type { Metrics } from "./metrics.js";

/**
 * Errors of the network a dependency (Redis, PostgreSQL, a client's socket) may throw from a
 * callback nobody awaits. Such an error says nothing about this process's own state: log it,
 * count it and keep serving. Anything else thrown synchronously may have left state half
 * updated, so the process exits and the orchestrator restarts it.
 */
const TRANSIENT_CODES = new Set(["ECONNRESET", "ECONNREFUSED", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENOTFOUND"]);
const TRANSIENT_NAMES = new Set([
  "SocketClosedUnexpectedlyError",
  "ConnectionTimeoutError",
  "ClientClosedError",
  "ClientOfflineError",
  "DisconnectsClientError",
  "TimeoutError",
  "AbortError",
]);

export function isTransient(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as NodeJS.ErrnoException).code;
  return (code !== undefined && TRANSIENT_CODES.has(code)) || TRANSIENT_NAMES.has(err.name);
}

/**
 * Process-level last resort: no library's stray rejection kills the service silently.
 * - `unhandledRejection`: a promise nobody awaited (e.g. a Redis publish while Redis is gone);
 *   logged and counted, never fatal: the code that dropped it has moved on.
 * - `uncaughtException`: logged and counted; fatal (exit 1 after logging) unless it is a
 *   dependency's network error.
 */
export function installProcessGuards(
  proc: NodeJS.Process,
  log: FastifyBaseLogger,
  metrics: Pick<Metrics, "processErrors">,
  exit: (code: number) => void = (code) => proc.exit(code),
): void {
  proc.on("unhandledRejection", (reason) => {
    metrics.processErrors.inc({ kind: "unhandledRejection", fatal: "false" });
    log.error({ err: reason }, "unhandled promise rejection (survived)");
  });
  proc.on("uncaughtException", (err) => {
    const fatal = !isTransient(err);
    metrics.processErrors.inc({ kind: "uncaughtException", fatal: String(fatal) });
    if (!fatal) {
      log.error({ err }, "uncaught dependency error (survived)");
      return;
    }
    log.fatal({ err }, "uncaught exception; exiting");
    exit(1);
  });
}
