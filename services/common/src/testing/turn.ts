import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createSocket } from "node:dgram";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The loopback config shipped in the repo, so tests exercise the file developers use. */
export const TURN_LOOPBACK_CONF = fileURLToPath(
  new URL("../../../../coturn/turnserver.loopback.conf", import.meta.url),
);

/** The production config shipped in the repo (coturn/turnserver.conf). */
export const TURN_PRODUCTION_CONF = fileURLToPath(new URL("../../../../coturn/turnserver.conf", import.meta.url));

/**
 * The production config as shipped — every `denied-peer-ip` line and quota — moved onto loopback ports
 * (IPv4 and IPv6 relays on ::1/127.0.0.1), without TLS or privilege drop: a template for startTurnServer.
 */
export async function productionTurnTemplate(): Promise<string> {
  const prod = await readFile(TURN_PRODUCTION_CONF, "utf8");
  return (
    prod
      .replace(
        /^listening-port=.*$/m,
        "listening-port=<PORT>\nlistening-ip=127.0.0.1\nrelay-ip=127.0.0.1\nrelay-ip=::1\nno-tls",
      )
      .replace(/^(tls-listening-port|cert|pkey|cipher-list|no-tlsv1|no-tlsv1_1|proc-user|proc-group)\b.*$/gm, "")
      .replace(/^min-port=.*$/m, "min-port=<MIN_PORT>")
      .replace(/^max-port=.*$/m, "max-port=<MAX_PORT>")
      .replace(/^pidfile=.*$/m, "pidfile=<RUN_DIR>/turnserver.pid\nuserdb=<RUN_DIR>/turndb")
      .replace(/<TURN_REALM[^>]*>/g, "turn.test")
      // Logging only: so the reason of a refusal can be asserted.
      .concat("\nverbose\n")
  );
}

export interface TestTurnServer {
  host: string;
  port: number;
  secret: string;
  /** TURN URLs for chat-service's TURN_URLS (UDP and TCP; the loopback config has no TLS). */
  urls: string[];
  /** The tail of turnserver's log (for asserting what it refused). */
  log(): string;
  stop(): Promise<void>;
}

/** A port free for both UDP and TCP on 127.0.0.1, as chosen by the OS. */
async function freeUdpTcpPort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const udp = createSocket("udp4");
    const port = await new Promise<number>((resolve, reject) => {
      udp.once("error", reject);
      udp.bind(0, "127.0.0.1", () => resolve(udp.address().port));
    });
    const tcpFree = await new Promise<boolean>((resolve) => {
      const srv = createServer();
      srv.once("error", () => resolve(false));
      srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
    });
    udp.close();
    if (tcpFree) return port;
  }
  throw new Error("no free UDP+TCP port");
}

/** Sends STUN Binding requests until one is answered: the server is then really serving. */
async function waitForStun(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const sock = createSocket("udp4");
  const request = Buffer.alloc(20);
  request.writeUInt16BE(0x0001, 0); // Binding request
  request.writeUInt16BE(0, 2);
  request.writeUInt32BE(0x2112a442, 4); // magic cookie
  randomBytes(12).copy(request, 8);
  try {
    await new Promise<void>((resolve, reject) => {
      const deadline = setTimeout(
        () => reject(new Error(`turnserver did not answer STUN within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const onExit = (code: number | null) => reject(new Error(`turnserver exited early (code ${code})`));
      child.once("exit", onExit);
      sock.on("message", (msg) => {
        if (msg.length >= 20 && msg.readUInt16BE(0) === 0x0101) {
          clearTimeout(deadline);
          clearInterval(resend);
          child.off("exit", onExit);
          resolve();
        }
      });
      // UDP is lossy and the server may not be bound yet: resend until answered.
      const send = () => sock.send(request, port, "127.0.0.1");
      const resend = setInterval(send, 25);
      send();
      deadline.unref?.();
    });
  } finally {
    sock.close();
  }
}

/**
 * Starts a real coturn `turnserver` on loopback with TURN REST auth (`use-auth-secret`),
 * on free ports and in a temp dir of its own, and resolves once it answers STUN.
 */
export async function startTurnServer(
  opts: {
    secret?: string;
    startTimeoutMs?: number;
    /** Another config with the same placeholders (e.g. the production one adapted to loopback). */
    configTemplate?: string;
  } = {},
): Promise<TestTurnServer> {
  const secret = opts.secret ?? randomBytes(16).toString("hex");
  const dir = await mkdtemp(join(tmpdir(), "turn-"));
  const port = await freeUdpTcpPort();
  // Relay ports below Linux's ephemeral range, randomised so parallel test files rarely overlap
  // (coturn skips relay ports it cannot bind anyway).
  const minPort = 20000 + Math.floor(Math.random() * 190) * 64;
  const conf = (opts.configTemplate ?? (await readFile(TURN_LOOPBACK_CONF, "utf8")))
    .replaceAll("<TURN_SECRET>", secret)
    .replaceAll("<PORT>", String(port))
    .replaceAll("<MIN_PORT>", String(minPort))
    .replaceAll("<MAX_PORT>", String(minPort + 63))
    .replaceAll("<RUN_DIR>", dir);
  const confPath = join(dir, "turnserver.conf");
  await writeFile(confPath, conf);
  const child = spawn("turnserver", ["-c", confPath], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const keep = (chunk: Buffer) => {
    // Keep the tail only: enough to explain a failed start or a refusal.
    output = (output + chunk.toString()).slice(-32_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const spawnError = new Promise<never>((_, reject) => child.once("error", reject));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      const force = setTimeout(() => child.kill("SIGKILL"), 3000);
      await exited;
      clearTimeout(force);
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await Promise.race([waitForStun(port, child, opts.startTimeoutMs ?? 10_000), spawnError]);
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}\n${output}`);
  }
  return {
    host: "127.0.0.1",
    port,
    secret,
    urls: [`turn:127.0.0.1:${port}?transport=udp`, `turn:127.0.0.1:${port}?transport=tcp`],
    log: () => output,
    stop,
  };
}
