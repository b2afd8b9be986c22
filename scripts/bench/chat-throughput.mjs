// chat-service send throughput: messages/s acked (after commit) and ack latency, measured
// against the built service (dist/server.js) in its own process on a throw-away database.
//   npm run build && node scripts/bench/chat-throughput.mjs [--small]   (BENCH_SYNC_COMMIT=off: see below)
// Scenarios: one client sending sequentially (each send waits for its ack); many clients
// sending concurrently into ONE group (all contend for that conversation's row lock); many
// clients concurrently, each in its OWN conversation. Every message is also received by a
// listening member, and the run checks that the receiver got every seq exactly once.
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createTestDatabase } from "@messenger/common/testing";
import { io } from "socket.io-client";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const SMALL = process.argv.includes("--small");
const SEQUENTIAL = SMALL ? 300 : 2000;
const SENDERS = SMALL ? 10 : 20;
const PER_SENDER = SMALL ? 30 : 150;
const WINDOW = 4; // sends in flight per client

const freePort = () =>
  new Promise((res, rej) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
    s.on("error", rej);
  });

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
const ms = (x) => Math.round(x * 100) / 100;

const db = await createTestDatabase();
// BENCH_SYNC_COMMIT=off shows the service's own cost without the WAL fsync per commit
// (diagnostic only: the product keeps synchronous_commit on, an ack means durable).
const databaseUrl =
  process.env.BENCH_SYNC_COMMIT === "off"
    ? `${db.url}?options=${encodeURIComponent("-c synchronous_commit=off")}`
    : db.url;
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const server = spawn(process.execPath, [join(ROOT, "services/chat-service/dist/server.js")], {
  env: {
    ...process.env,
    PORT: String(port),
    HOST: "127.0.0.1",
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: "warn",
    NODE_ENV: "development",
    SEND_RATE_PER_SECOND: "100000",
    REGISTRATION: "open",
  },
  stdio: ["ignore", "inherit", "inherit"],
});
const cleanup = async () => {
  server.kill("SIGTERM");
  await new Promise((r) => (server.exitCode !== null ? r() : server.once("exit", r)));
  await db.drop();
};

try {
  for (;;) {
    try {
      if ((await fetch(`${base}/readyz`)).ok) break;
    } catch {}
    await new Promise((r) => setTimeout(r, 50));
  }

  const post = async (path, body, token) => {
    const res = await fetch(`${base}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return res.json();
  };
  const registerUser = (i) =>
    post("/api/auth/register", { username: `bench${i}.${randomUUID().slice(0, 6)}`, password: "bench-password" });
  const connect = (token) =>
    new Promise((res, rej) => {
      const s = io(base, { auth: { token }, transports: ["websocket"], reconnection: false, forceNew: true });
      s.once("connect", () => res(s));
      s.once("connect_error", rej);
    });
  const sendAcked = (s, conversationId, body) =>
    new Promise((res, rej) => {
      const t0 = performance.now();
      s.emit("message:send", { conversationId, clientId: randomUUID(), body }, (ack) =>
        ack.ok ? res({ seq: ack.message.seq, ms: performance.now() - t0 }) : rej(new Error(ack.error.code)),
      );
    });
  /** Resolves when `s` has received `count` message:new of `conversationId`; checks seqs are unique. */
  const receiveAll = (s, conversationIds, count) =>
    new Promise((res, rej) => {
      const seen = new Set();
      s.on("message:new", (m) => {
        if (!conversationIds.has(m.conversationId)) return;
        const key = `${m.conversationId}:${m.seq}`;
        if (seen.has(key)) rej(new Error(`duplicate ${key}`));
        seen.add(key);
        if (seen.size === count) res();
      });
    });

  const results = [];
  const report = (scenario, n, seconds, latencies) => {
    latencies.sort((a, b) => a - b);
    const r = {
      scenario,
      messages: n,
      msgsPerSecond: Math.round(n / seconds),
      ackP50ms: ms(pct(latencies, 50)),
      ackP99ms: ms(pct(latencies, 99)),
    };
    results.push(r);
    console.log(JSON.stringify({ bench: "chat-throughput", ...r }));
  };

  // --- sequential: one sender, one at a time ---------------------------------------------
  const [alice, bob] = [await registerUser(0), await registerUser(1)];
  const dm = (await post("/api/conversations", { kind: "direct", userId: bob.user.id }, alice.accessToken))
    .conversation;
  const sa = await connect(alice.accessToken);
  const sb = await connect(bob.accessToken);
  for (let i = 0; i < 50; i++) await sendAcked(sa, dm.id, `warmup ${i}`);
  {
    const received = receiveAll(sb, new Set([dm.id]), SEQUENTIAL);
    const lat = [];
    const t0 = performance.now();
    for (let i = 0; i < SEQUENTIAL; i++) lat.push((await sendAcked(sa, dm.id, `sequential message ${i}`)).ms);
    const secs = (performance.now() - t0) / 1000;
    await received;
    report("sequential, 1 client, acked one by one", SEQUENTIAL, secs, lat);
  }

  // --- concurrent: many senders into one group ------------------------------------------
  const users = [];
  for (let i = 0; i < SENDERS; i++) users.push(await registerUser(100 + i));
  const group = (
    await post(
      "/api/conversations",
      { kind: "group", title: "bench", memberIds: [...users.map((u) => u.user.id), bob.user.id] },
      alice.accessToken,
    )
  ).conversation;
  const sockets = await Promise.all(users.map((u) => connect(u.accessToken)));
  const blast = async (targets, label) => {
    const total = SENDERS * PER_SENDER;
    const lat = [];
    const t0 = performance.now();
    await Promise.all(
      sockets.map(async (s, i) => {
        let next = 0;
        const worker = async () => {
          while (next < PER_SENDER) {
            next++;
            lat.push((await sendAcked(s, targets[i], `concurrent ${i}-${next}`)).ms);
          }
        };
        await Promise.all(Array.from({ length: WINDOW }, worker));
      }),
    );
    const secs = (performance.now() - t0) / 1000;
    report(label, total, secs, lat);
  };
  {
    const received = receiveAll(sb, new Set([group.id]), SENDERS * PER_SENDER);
    await blast(
      sockets.map(() => group.id),
      `concurrent, ${SENDERS} clients × ${WINDOW} in flight, one group of ${SENDERS + 2}`,
    );
    await received;
    const page = await fetch(`${base}/api/conversations/${group.id}/messages?limit=1`, {
      headers: { authorization: `Bearer ${bob.accessToken}` },
    }).then((r) => r.json());
    if (page.messages[0].seq !== SENDERS * PER_SENDER) throw new Error(`last seq ${page.messages[0].seq}`);
  }

  // --- concurrent: each sender in its own DM with bob ---------------------------------------
  {
    const dms = [];
    for (const u of users) {
      dms.push(
        (await post("/api/conversations", { kind: "direct", userId: bob.user.id }, u.accessToken)).conversation.id,
      );
    }
    const received = receiveAll(sb, new Set(dms), SENDERS * PER_SENDER);
    await blast(dms, `concurrent, ${SENDERS} clients × ${WINDOW} in flight, ${SENDERS} separate DMs`);
    await received;
  }

  console.error("\nchat-service send throughput (acked after commit; receiver got every seq once):");
  console.table(results);
  for (const s of [sa, sb, ...sockets]) s.close();
} finally {
  await cleanup();
}
