// How many authenticated idle sockets one chat-service instance holds, and what each costs in RSS.
// Clients speak the socket.io wire protocol over a bare WebSocket (engine.io v4), which keeps the
// load generator light enough to open 10,000 of them from one process.
import { createRequire } from "node:module";
import { createUsersInGroups, log, ROOT, row, rssOf, SMALL, startChatService, throwawayDatabase } from "./lib.mjs";

const require = createRequire(`${ROOT}/services/chat-service/package.json`);
const { WebSocket } = require("ws");

const TARGET = Number(process.env.BENCH_CONNECTIONS ?? (SMALL ? 500 : 10_000));
const GROUP = 10;

/** Opens one socket.io connection (websocket transport) and resolves once the server accepted the auth. */
function connect(port, token) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`, {
      perMessageDeflate: false,
    });
    const fail = (err) => {
      ws.terminate();
      reject(err);
    };
    ws.on("error", fail);
    ws.on("message", (data) => {
      const msg = data.toString();
      if (msg.startsWith("0")) ws.send(`40${JSON.stringify({ token })}`);
      else if (msg === "2")
        ws.send("3"); // engine.io ping → pong keeps the socket open
      else if (msg.startsWith("40")) resolve(ws);
      else if (msg.startsWith("44")) fail(new Error(`refused: ${msg}`));
    });
  });
}

const db = await throwawayDatabase();
const sockets = [];
try {
  const { users } = await createUsersInGroups(db.pool, TARGET, GROUP);
  const chat = await startChatService(db.url);
  const port = Number(new URL(chat.url).port);
  try {
    // Baseline after a first connection, so lazily loaded code is not counted per connection.
    const first = await connect(port, users[0].token);
    first.close();
    const base = rssOf(chat.pid);
    const t0 = performance.now();
    let next = 0;
    let refused = 0;
    const worker = async () => {
      while (next < users.length) {
        const u = users[next++];
        try {
          sockets.push(await connect(port, u.token));
        } catch {
          refused++;
        }
      }
    };
    await Promise.all(Array.from({ length: 100 }, worker));
    const connectSeconds = (performance.now() - t0) / 1000;
    log(`connections: ${sockets.length} open (${refused} refused) in ${connectSeconds.toFixed(1)} s`);
    // Let joins and buffers settle, then sample the resident set a few times and keep the lowest
    // (a sample can land mid-GC).
    await new Promise((r) => setTimeout(r, 3000));
    let rss = Number.POSITIVE_INFINITY;
    for (let i = 0; i < 5; i++) {
      rss = Math.min(rss, rssOf(chat.pid));
      await new Promise((r) => setTimeout(r, 400));
    }
    const held = sockets.filter((s) => s.readyState === WebSocket.OPEN).length;
    const perConnKB = (rss - base) / held / 1024;
    row("connections", "idle authenticated sockets held", held, "sockets", {
      goal: "10,000",
      ok: SMALL ? undefined : held >= 10_000,
      note: `of ${TARGET} opened in ${connectSeconds.toFixed(1)} s, ${refused} refused`,
    });
    row("connections", "RSS per connection", Number(perConnKB.toFixed(1)), "KB", {
      goal: "≤ 30",
      ok: SMALL ? undefined : perConnKB <= 30,
      note: `RSS ${(base / 2 ** 20).toFixed(0)} → ${(rss / 2 ** 20).toFixed(0)} MB`,
    });
  } finally {
    for (const s of sockets) s.terminate();
    await chat.stop();
  }
} finally {
  await db.drop();
}
process.exit(0);
