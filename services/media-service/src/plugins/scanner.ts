import { once } from "node:events";
import { createReadStream } from "node:fs";
import { connect, type Socket } from "node:net";
import fp from "fastify-plugin";

export type ScanVerdict = { infected: false } | { infected: true; signature: string };

/** clamd could not be reached or did not finish the scan: callers must fail closed. */
export class ScannerUnavailableError extends Error {
  override name = "ScannerUnavailableError";
}

export interface ClamdTarget {
  socket?: string;
  host: string;
  port: number;
  timeoutMs: number;
}

export interface Scanner {
  /** Streams the file to clamd (INSTREAM) with backpressure: memory stays at one chunk whatever the file size. */
  scanFile(path: string): Promise<ScanVerdict>;
  ping(): Promise<boolean>;
}

// Why not the `clamscan` npm package: its scanStream writes to the socket without waiting for 'drain', so a
// 500 MB video read from a fast disk piles up in memory when clamd reads slower. The protocol is small.
export function createScanner(target: ClamdTarget): Scanner {
  const open = (): Socket => {
    const s = target.socket ? connect(target.socket) : connect(target.port, target.host);
    s.setTimeout(target.timeoutMs, () => s.destroy(new ScannerUnavailableError("clamd timed out")));
    return s;
  };

  /** Sends `command`, lets `write` stream the rest, and returns clamd's NUL-terminated reply. */
  async function exchange(command: string, write?: (s: Socket) => Promise<void>): Promise<string> {
    const s = open();
    let reply = "";
    s.on("data", (d) => {
      reply += d.toString("utf8");
    });
    const closed = new Promise<void>((resolve, reject) => {
      s.on("error", (err) => reject(new ScannerUnavailableError(`clamd: ${err.message}`)));
      s.on("close", () => resolve());
    });
    closed.catch(() => {}); // observed below; avoids an unhandled rejection while still writing
    try {
      await Promise.race([once(s, "connect"), closed]);
      s.write(`z${command}\0`);
      if (write) await Promise.race([write(s), closed]);
      s.end();
      await closed;
    } catch (err) {
      s.destroy();
      throw err instanceof ScannerUnavailableError ? err : new ScannerUnavailableError(String(err));
    }
    return reply.replace(/\0+$/, "");
  }

  return {
    async scanFile(path) {
      const reply = await exchange("INSTREAM", async (s) => {
        const header = Buffer.alloc(4);
        for await (const chunk of createReadStream(path, { highWaterMark: 256 * 1024 })) {
          header.writeUInt32BE((chunk as Buffer).length);
          s.write(header);
          // clamd closing early (e.g. StreamMaxLength exceeded) surfaces as 'close'/'error' via the race.
          if (!s.write(chunk)) await once(s, "drain");
        }
        s.write(Buffer.alloc(4)); // zero-length chunk: end of stream
      });
      if (/^stream: OK$/.test(reply)) return { infected: false };
      const found = /^stream: (.+) FOUND$/.exec(reply);
      // With ExtendedDetectionInfo clamd appends "(hash:size)"; the name is what the user needs.
      if (found?.[1]) return { infected: true, signature: found[1].replace(/\([^)]*\)$/, "").trim() };
      throw new ScannerUnavailableError(`scan not completed: ${reply || "no reply"}`);
    },
    async ping() {
      try {
        return (await exchange("PING")) === "PONG";
      } catch {
        return false;
      }
    },
  };
}

declare module "fastify" {
  interface FastifyInstance {
    scanner: Scanner;
  }
}

export default fp(
  async (app, opts: { target: ClamdTarget }) => {
    app.decorate("scanner", createScanner(opts.target));
  },
  { name: "scanner" },
);
