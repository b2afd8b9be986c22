// `bash scripts/start.sh` ends in `node scripts/start.mjs`: the whole product at one URL. This runs that
// command as a newcomer would (built dist, nothing configured, an embedded PostgreSQL), on free ports
// in a temp data dir, and checks what a user relies on: the app loads, an account can be made, the
// socket connects, a file goes through the virus scan into storage — and all of it survives a restart.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { createSocket } from "node:dgram";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { createPool } from "@messenger/common";
import { freePort } from "@messenger/common/testing";
import type { AuthResponse, ConversationResponse, SearchResponse, UploadResponse } from "@messenger/protocol";
import { io } from "socket.io-client";

const ROOT = join(import.meta.dirname, "..", "..");

interface Running {
  child: ChildProcess;
  url: string;
  output: () => string;
  /** pids the start script printed for the services it runs. */
  pids: number[];
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** The local PostgreSQL scripts/lib/postgres.mjs uses when one answers (trust auth, user postgres). */
const LOCAL_PG_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres";

let dataDir: string;
const started: Running[] = [];

/** The fixed ports pieces of the start used to take: S3 (9000), clamd, TURN, chat-service, media-service. */
const USUAL_PORTS = [9000, 3310, 3478, 4000, 4001];
const releases: (() => void)[] = [];

/** Keeps `port` taken on loopback, TCP and UDP, as another program would; if one already has it, all the better. */
async function occupy(port: number) {
  const tcp = createServer();
  await new Promise<void>((resolve) => {
    tcp.once("error", () => resolve());
    tcp.listen(port, "127.0.0.1", () => {
      releases.push(() => tcp.close());
      resolve();
    });
  });
  const udp = createSocket("udp4");
  await new Promise<void>((resolve) => {
    udp.once("error", () => resolve());
    udp.bind(port, "127.0.0.1", () => {
      releases.push(() => udp.close());
      resolve();
    });
  });
}

function spawnStart(env: Record<string, string>) {
  const child = spawn(process.execPath, [join(ROOT, "scripts", "start.mjs")], {
    cwd: ROOT,
    // Nothing configured, as on a fresh machine; the embedded PostgreSQL even if a local one runs.
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PORT: "0",
      DATA_DIR: dataDir,
      MESSENGER_PG: "embedded",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
    // A process group of its own, like a command started in a terminal (see stop()).
    detached: true,
  });
  let out = "";
  child.stdout!.on("data", (d) => {
    out += d;
  });
  child.stderr!.on("data", (d) => {
    out += d;
  });
  return { child, output: () => out };
}

function start(env: Record<string, string> = {}): Promise<Running> {
  const { child, output } = spawnStart(env);
  return new Promise((resolve, reject) => {
    const out = () => output();
    const onData = () => {
      const m = out().match(/running at (http:\/\/localhost:\d+)/);
      if (!m) return;
      child.stdout!.off("data", onData);
      const pids = [...out().matchAll(/\(pid (\d+),/g)].map((p) => Number(p[1]));
      // The printed URL says localhost; requests go to the loopback address it listens on.
      const running = { child, url: m[1]!.replace("localhost", "127.0.0.1"), output, pids };
      started.push(running);
      resolve(running);
    };
    child.stdout!.on("data", onData);
    child.once("exit", (code) => reject(new Error(`start.mjs exited (${code}) before printing the URL:\n${out()}`)));
  });
}

/**
 * "sigterm": what a service manager sends to the main process. "ctrl-c": what a terminal does — SIGINT
 * to every process of the foreground group at once (services, clamd, turnserver, PostgreSQL too).
 * Resolves with the exit code once it is gone.
 */
function stop(r: Running, how: "sigterm" | "ctrl-c" = "sigterm"): Promise<number | null> {
  if (r.child.exitCode !== null) return Promise.resolve(r.child.exitCode);
  const exited = new Promise<number | null>((resolve) => r.child.once("exit", (code) => resolve(code)));
  if (how === "ctrl-c") process.kill(-r.child.pid!, "SIGINT");
  else r.child.kill("SIGTERM");
  return exited;
}

before(async () => {
  for (const svc of ["chat-service", "media-service"]) {
    const entry = join(ROOT, "services", svc, "dist", "server.js");
    assert.ok(existsSync(entry), `${entry} missing: run \`npm run build\` (npm test does) before this test`);
  }
  dataDir = mkdtempSync(join(tmpdir(), "messenger-start-"));
  chmodSync(dataDir, 0o755); // as root, the embedded PostgreSQL runs as user `postgres`
  for (const port of USUAL_PORTS) await occupy(port);
});

after(async () => {
  for (const r of started) await stop(r);
  for (const release of releases) release();
  rmSync(dataDir, { recursive: true, force: true });
});

const username = `newcomer${process.pid}`;
const password = "correct horse battery";
const fileBody = "minutes of the kick-off meeting\n";
let attachmentUrl = "";

test("one command starts everything at one URL, even with the usual fixed ports taken; a user signs up, connects and shares a file", async () => {
  const r = await start();
  const out = r.output();
  for (const component of ["postgres", "schema", "clamd", "turnserver", "chat-service", "media-service", "gateway"]) {
    assert.match(out, new RegExp(`✓ ${component}\\b`), `no progress line for ${component}:\n${out}`);
  }

  const health = await fetch(`${r.url}/healthz`);
  assert.equal(health.status, 200);
  assert.deepEqual(await health.json(), { ok: true, services: { "chat-service": "ok", "media-service": "ok" } });

  // The built client, also for client-side routes.
  for (const path of ["/", "/conversations/anything"]) {
    const page = await fetch(`${r.url}${path}`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get("content-type") ?? "", /^text\/html/);
    assert.match(await page.text(), /<!doctype html>/i);
  }

  const reg = await fetch(`${r.url}/api/auth/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password }),
  });
  assert.equal(reg.status, 201, await reg.clone().text());
  const { accessToken, user } = (await reg.json()) as AuthResponse;
  assert.equal(user.username, username);
  const auth = { authorization: `Bearer ${accessToken}` };

  // socket.io through the gateway, WebSocket only: the upgrade is proxied.
  const socket = io(r.url, { auth: { token: accessToken }, transports: ["websocket"], reconnection: false });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("connect_error", reject);
  });
  socket.disconnect();

  // /api/media reaches media-service: upload into a conversation (scanned by the embedded clamd,
  // stored in the embedded S3 server) and read it back.
  const conv = await fetch(`${r.url}/api/conversations`, {
    method: "POST",
    headers: { ...auth, "content-type": "application/json" },
    body: JSON.stringify({ kind: "group", title: "Kick-off", memberIds: [] }),
  });
  assert.equal(conv.status, 201, await conv.clone().text());
  const { conversation } = (await conv.json()) as ConversationResponse;
  const form = new FormData();
  form.append("conversationId", conversation.id);
  form.append("file", new Blob([fileBody], { type: "text/plain" }), "minutes.txt");
  const upload = await fetch(`${r.url}/api/media`, { method: "POST", headers: auth, body: form });
  assert.equal(upload.status, 201, await upload.clone().text());
  const { attachment } = (await upload.json()) as UploadResponse;
  attachmentUrl = attachment.url;
  const download = await fetch(`${r.url}${attachmentUrl}`, { headers: auth });
  assert.equal(download.status, 200);
  assert.equal(await download.text(), fileBody);

  assert.equal(await stop(r), 0, r.output());
  assert.match(r.output(), /stopped/);
  // Nothing left running: the services it printed, and the embedded PostgreSQL (whose pid file goes).
  assert.ok(r.pids.length >= 2);
  for (const pid of r.pids) assert.ok(!alive(pid), `pid ${pid} still running`);
  assert.ok(!existsSync(join(dataDir, "pg", "postmaster.pid")), "PostgreSQL still running");
});

test("after a restart on the same data dir, nothing is rebuilt, the account and the file are still there; Ctrl-C stops it all", async (t) => {
  if (!attachmentUrl) return t.skip("the first start failed");
  const r = await start();
  assert.match(r.output(), /^build: every workspace is up to date/m, "nothing changed, so nothing was rebuilt");
  const login = await fetch(`${r.url}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password }),
  });
  assert.equal(login.status, 200, await login.clone().text());
  const { accessToken } = (await login.json()) as AuthResponse;
  const download = await fetch(`${r.url}${attachmentUrl}`, { headers: { authorization: `Bearer ${accessToken}` } });
  assert.equal(download.status, 200);
  assert.equal(await download.text(), fileBody);
  // Secrets are generated once per data dir and kept.
  assert.ok(JSON.parse(readFileSync(join(dataDir, "secrets.json"), "utf8")).JWT_SECRET);
  // Ctrl-C this time: everything still stops, and in order.
  assert.equal(await stop(r, "ctrl-c"), 0, r.output());
  for (const pid of r.pids) assert.ok(!alive(pid), `pid ${pid} still running`);
  assert.ok(!existsSync(join(dataDir, "pg", "postmaster.pid")), "PostgreSQL still running");
});

test("a taken PORT is reported in one line and the start exits non-zero, having started nothing", async () => {
  const taken = createServer();
  const port = await freePort();
  await new Promise<void>((resolve) => taken.listen(port, "127.0.0.1", resolve));
  try {
    const { child, output } = spawnStart({ PORT: String(port) });
    const code = await new Promise<number | null>((resolve) => child.once("exit", (c) => resolve(c)));
    assert.notEqual(code, 0);
    const lines = output().trim().split("\n");
    assert.equal(lines.length, 1, output());
    assert.match(lines[0]!, new RegExp(`^port ${port} on 127\\.0\\.0\\.1 is already in use .*PORT=`));
  } finally {
    taken.close();
  }
});

/** Registers `name` on the copy at `url`; returns its access token. */
async function register(url: string, name: string): Promise<string> {
  const res = await fetch(`${url}/api/auth/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: name, password }),
  });
  assert.equal(res.status, 201, await res.clone().text());
  return ((await res.json()) as AuthResponse).accessToken;
}

async function search(url: string, token: string, q: string): Promise<string[]> {
  const res = await fetch(`${url}/api/search?q=${encodeURIComponent(q)}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(res.status, 200, await res.clone().text());
  return ((await res.json()) as SearchResponse).messages.map((m) => m.body);
}

test("two copies with their own DATA_DIR keep their own data, also on the same local PostgreSQL", async () => {
  const dirs = [0, 1].map(() => mkdtempSync(join(tmpdir(), "messenger-copy-")));
  for (const d of dirs) chmodSync(d, 0o755);
  const databases: string[] = [];
  const copies: Running[] = [];
  try {
    // The local PostgreSQL when one is usable (as on a developer's machine), else each its embedded one.
    const [a, b] = await Promise.all(dirs.map((d) => start({ DATA_DIR: d, MESSENGER_PG: "" })));
    copies.push(a!, b!);
    for (const r of [a!, b!]) {
      const local = r.output().match(/✓ postgres\s+local server .*database (\S+)/);
      if (local) databases.push(local[1]!);
    }
    if (databases.length === 2) assert.notEqual(databases[0], databases[1], "each copy its own database");

    // The same username can sign up in both: the accounts are not shared.
    const [tokenA, tokenB] = [await register(a!.url, username), await register(b!.url, username)];
    const conv = await fetch(`${a!.url}/api/conversations`, {
      method: "POST",
      headers: { authorization: `Bearer ${tokenA}`, "content-type": "application/json" },
      body: JSON.stringify({ kind: "group", title: "Copy A only", memberIds: [] }),
    });
    assert.equal(conv.status, 201, await conv.clone().text());
    const { conversation } = (await conv.json()) as ConversationResponse;
    const socket = io(a!.url, { auth: { token: tokenA }, transports: ["websocket"], reconnection: false });
    const ack = await socket.timeout(10_000).emitWithAck("message:send", {
      conversationId: conversation.id,
      clientId: crypto.randomUUID(),
      body: "budget figures",
    });
    socket.disconnect();
    assert.equal(ack.ok, true, JSON.stringify(ack));

    assert.deepEqual(await search(a!.url, tokenA, "budget"), ["budget figures"]);
    assert.deepEqual(await search(b!.url, tokenB, "budget"), [], "the message is not in the other copy");
    for (const r of [a!, b!]) assert.equal(await stop(r), 0, r.output());
  } finally {
    for (const r of copies) await stop(r);
    // Only the copies' own databases: never `messenger`, the default data dir's.
    const own = databases.filter((name) => /^messenger_[0-9a-f]+$/.test(name));
    if (own.length) {
      const admin = createPool(LOCAL_PG_ADMIN_URL, 1);
      for (const name of own) await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.end();
    }
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
});
