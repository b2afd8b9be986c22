// The one way the client waits for a socket ack: one timeout for every event, and a missing answer
// reads like any other refusal (`timeout`), so callers handle a single `Ack` shape.
import type { Ack, ApiError } from "@messenger/protocol";

/** How long an emit may wait for its ack on a live connection; then it counts as refused for a passing reason. */
export const ACK_TIMEOUT_MS = 15_000;

export const NO_ANSWER: ApiError = { code: "timeout", message: "no answer" };

/** Runs `send` with an ack callback; resolves with the ack, or with `NO_ANSWER` after ACK_TIMEOUT_MS. */
export function withAck<T extends object>(send: (cb: (ack: Ack<T>) => void) => void): Promise<Ack<T>> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ ok: false, error: NO_ANSWER }), ACK_TIMEOUT_MS);
    send((ack) => {
      clearTimeout(timer);
      resolve(ack);
    });
  });
}
