import { toApiError } from "@messenger/common";
import type { Ack, AckPayload, ClientToServerEvents } from "@messenger/protocol";
import type { z } from "zod";
import type { ChatSocket } from "./hub.js";

type Result = Record<string, unknown>;

/**
 * Registers one client → server event: validate with zod → run → ack. Whatever the
 * client sends (no payload, a string, no ack callback) and whatever the handler
 * throws, the process survives and the client gets `{ok:false, error}`; only
 * catalogued codes reach the client, internals become "internal".
 */
export function on<E extends keyof ClientToServerEvents, S extends z.ZodType>(
  socket: ChatSocket,
  event: E,
  schema: S,
  // Typed from the wire contract: answering an event with the wrong ack payload fails tsc.
  run: (payload: z.output<S>) => Promise<AckPayload<E>> | AckPayload<E>,
  log?: { error: (obj: object, msg: string) => void },
): void {
  // socket.io's typed `on` cannot express a generic event name; the wire types are enforced by `schema`.
  (socket as unknown as { on: (e: string, fn: (...args: unknown[]) => void) => void }).on(event, (...args) => {
    // The ack, if any, is the last argument; a lone function means "no payload".
    const last = args[args.length - 1];
    const ack = typeof last === "function" ? (last as (a: Ack<Result>) => void) : undefined;
    const payload = ack ? (args[0] === ack ? undefined : args[0]) : args[0];
    const reply = (a: Ack<Result>) => {
      try {
        ack?.(a);
      } catch {
        // A broken ack callback must not take the server down.
      }
    };
    void (async () => {
      try {
        if (payload === null || typeof payload !== "object" || Array.isArray(payload)) {
          reply({ ok: false, error: { code: "bad_request", message: "payload must be an object" } });
          return;
        }
        const parsed = schema.safeParse(payload);
        if (!parsed.success) {
          reply({ ok: false, error: toApiError(parsed.error).error });
          return;
        }
        const result = (await run(parsed.data)) as Result;
        reply({ ok: true, ...result });
      } catch (err) {
        const { status, error } = toApiError(err);
        if (status >= 500) log?.error({ err, event }, "socket handler failed");
        reply({ ok: false, error });
      }
    })();
  });
}
