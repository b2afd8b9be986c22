import { createAdapter } from "@socket.io/redis-streams-adapter";
import type { FastifyBaseLogger } from "fastify";
import type { createClient } from "redis";
import type { ClusterAdapter, ClusterMessage } from "socket.io-adapter";
import type { ChatServer } from "../realtime/hub.js";

type RedisClient = ReturnType<typeof createClient>;

export interface AdapterGapOptions {
  /** A publish not answered within this long counts as lost (a hung Redis). */
  publishTimeoutMs: number;
  /** Clients spread their re-check over this long, so a cluster-wide hint is no thundering herd. */
  hintSpreadMs: number;
  log: FastifyBaseLogger;
  /** Called once per hint sent (metrics). */
  onHint(): void;
}

/**
 * socket.io across instances through one Redis stream (`@socket.io/redis-streams-adapter`): each
 * instance reads the stream from its last offset, so a reader that loses its connection resumes
 * where it stopped instead of missing what was published meanwhile (Redis pub/sub would).
 *
 * Two things the library leaves to us:
 * - Its broadcast waits for Redis to answer the publish before delivering to this instance's own
 *   sockets; with Redis away that blocks local delivery too. Here the publish runs on the side, so
 *   this instance's sockets get every event at once whatever Redis does. (The stream offset it
 *   would return only serves connection-state recovery, which is not enabled.)
 * - A publish that fails or gets no answer is lost for the other instances. Such a gap, or a lost
 *   connection (a reader may have missed entries of a Redis that restarted empty), is followed, as
 *   soon as Redis takes a publish again, by `sync:hint` to every socket of every instance: clients
 *   then compare each conversation's `lastSeq` and fetch what they lack.
 */
export function attachStreamsAdapter(
  io: ChatServer,
  client: RedisClient,
  prefix: string,
  opts: AdapterGapOptions,
): { close(): void } {
  const make = createAdapter(client, {
    streamName: `${prefix}:socket.io`,
    channelPrefix: `${prefix}:socket.io`,
    sessionKeyPrefix: `${prefix}:socket.io:session:`,
  });
  let gap = false;
  let hinting = false;
  const hint = () => {
    if (!gap || hinting) return;
    gap = false;
    hinting = true;
    opts.onHint();
    opts.log.warn("socket.io adapter: events may have been lost while Redis was away; telling clients to re-check");
    // Through the adapter (every instance) and so also to this instance's own sockets.
    io.emit("sync:hint", { spreadMs: opts.hintSpreadMs });
    hinting = false;
  };
  const lost = (err: unknown) => {
    if (!gap) opts.log.warn({ err }, "socket.io adapter: a publish to Redis was lost");
    gap = true;
  };
  const timers = new Set<NodeJS.Timeout>();
  const track = (published: Promise<unknown>) => {
    let late = false;
    const timer = setTimeout(() => {
      late = true;
      lost(new Error(`no answer from Redis within ${opts.publishTimeoutMs} ms`));
    }, opts.publishTimeoutMs);
    timers.add(timer);
    published.then(
      () => {
        clearTimeout(timer);
        timers.delete(timer);
        // A late answer still means the event reached the stream; only the next success after a gap hints.
        if (!late) hint();
      },
      (err) => {
        clearTimeout(timer);
        timers.delete(timer);
        lost(err);
      },
    );
  };
  // A dropped connection may have cost entries; the first publish after it is answered sends the hint.
  client.on("end", () => {
    gap = true;
  });
  client.on("error", () => {
    gap = true;
  });
  client.on("ready", () => {
    // Something to publish so the hint goes out even if nobody sends: the hint itself.
    if (gap) hint();
  });

  // socket.io calls it with `new`: a plain function that returns the adapter it made.
  io.adapter(function streamsAdapter(nsp: Parameters<typeof make>[0]) {
    const adapter = make(nsp) as unknown as ClusterAdapter & {
      doPublish(message: ClusterMessage): Promise<string>;
    };
    const doPublish = adapter.doPublish.bind(adapter);
    adapter.doPublish = (message) => {
      track(doPublish(message));
      return Promise.resolve("");
    };
    return adapter;
  } as unknown as typeof make);
  return {
    close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
}
