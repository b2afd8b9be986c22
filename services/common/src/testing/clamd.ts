import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The clamd config and tiny signature DB (EICAR + ClamAV test files) shipped with media-service. */
export const CLAMAV_DIR = fileURLToPath(new URL("../../../media-service/clamav/", import.meta.url));

export interface RunningClamd {
  host: string;
  port: number;
  socket: string;
  stop(): Promise<void>;
}

/** A free TCP port on loopback, as the OS hands it out. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Resolves true when clamd answers PONG, false on any failure. */
export function pingClamd(target: { host: string; port: number } | { socket: string }): Promise<boolean> {
  return new Promise((resolve) => {
    const s = "socket" in target ? connect(target.socket) : connect(target.port, target.host);
    let reply = "";
    s.setTimeout(1000, () => s.destroy());
    s.on("connect", () => s.write("zPING\0"));
    s.on("data", (d) => {
      reply += d.toString();
    });
    s.on("error", () => resolve(false));
    s.on("close", () => resolve(reply.startsWith("PONG")));
  });
}

/**
 * Starts a real clamd on a free loopback port with the shipped signature DB, in a temp dir of its own,
 * and resolves once it answers PING. `stop()` kills it and removes the dir.
 */
export async function startClamd(opts: { dbDir?: string; timeoutMs?: number } = {}): Promise<RunningClamd> {
  const dbDir = opts.dbDir ?? join(CLAMAV_DIR, "db");
  const template = await readFile(join(CLAMAV_DIR, "clamd.conf"), "utf8");
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  // The port is chosen before clamd binds it, so another process may take it first: retry with a new one.
  for (let attempt = 1; ; attempt++) {
    const runDir = await mkdtemp(join(tmpdir(), "clamd-"));
    const port = await freePort();
    const conf = join(runDir, "clamd.conf");
    await writeFile(
      conf,
      template.replaceAll("<DB_DIR>", dbDir).replaceAll("<RUN_DIR>", runDir).replaceAll("<PORT>", String(port)),
    );
    const child: ChildProcess = spawn("clamd", [`--config-file=${conf}`], { stdio: "ignore" });
    let exited = false;
    const exitedP = new Promise<void>((resolve) =>
      child.once("exit", () => {
        exited = true;
        resolve();
      }),
    );
    child.once("error", () => {});
    const stop = async () => {
      if (!exited) {
        child.kill("SIGTERM");
        const t = setTimeout(() => child.kill("SIGKILL"), 5000);
        await exitedP;
        clearTimeout(t);
      }
      await rm(runDir, { recursive: true, force: true });
    };
    const socket = join(runDir, "clamd.sock");
    while (!exited && Date.now() < deadline) {
      if (await pingClamd({ host: "127.0.0.1", port })) return { host: "127.0.0.1", port, socket, stop };
      await new Promise((r) => setTimeout(r, 25)); // polling a condition (clamd up), not a fixed wait
    }
    const log = await readFile(join(runDir, "clamd.log"), "utf8").catch(() => "");
    await stop();
    if (attempt >= 3 || Date.now() >= deadline) throw new Error(`clamd did not start:\n${log.slice(-2000)}`);
  }
}
