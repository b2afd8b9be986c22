// Persisted delivery vs. the raw socket.io relay floor, in the same run with the same clients:
// N socket.io clients in groups of 10, messages from random members at a fixed total rate;
// latency = sender's emit → each other member's "message:new" (one process, one clock).
// BENCH_CLIENTS, BENCH_RATE, BENCH_SECONDS and BENCH_ROUNDS change the setting.
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { io } from "socket.io-client";
import {
  createUsersInGroups,
  log,
  percentile,
  ROOT,
  row,
  SMALL,
  startChatService,
  startServer,
  throwawayDatabase,
} from "./lib.mjs";

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? (SMALL ? 100 : 1000));
const RATE = Number(process.env.BENCH_RATE ?? (SMALL ? 100 : 1000)); // messages per second, all senders together
const SECONDS = Number(process.env.BENCH_SECONDS ?? (SMALL ? 3 : 15));
// Rounds of (floor, persisted): one round's p99 swings with whatever else the machine does, so the
// table reports the median of the rounds.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (SMALL ? 1 : 3));
const GROUP = 10;

async function connectAll(url, users, groupOf) {
  const sockets = new Array(users.length);
  let next = 0;
  // A bounded number of handshakes in flight, as clients arriving over a few seconds.
  const worker = async () => {
    while (next < users.length) {
      const i = next++;
      const u = users[i];
      const s = io(url, {
        transports: ["websocket"],
        forceNew: true,
        reconnection: false,
        auth: { token: u.token, room: groupOf[i].id },
      });
      await new Promise((resolve, reject) => {
        s.once("connect", resolve);
        s.once("connect_error", reject);
      });
      sockets[i] = s;
    }
  };
  await Promise.all(Array.from({ length: 50 }, worker));
  return sockets;
}

/** chat-service's own view (prom-client): a scrape resets its event-loop histogram, so scrape before and after. */
async function serverMetrics(url) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const value = (name) => Number(text.match(new RegExp(`^${name} (\\S+)$`, "m"))?.[1] ?? Number.NaN);
  return {
    loopLagP99: value("chat_nodejs_eventloop_lag_p99_seconds") * 1000,
    gcSeconds: ["minor", "major", "incremental", "weakcb"].reduce((n, kind) => {
      const v = value(`chat_nodejs_gc_duration_seconds_sum\\{kind="${kind}"\\}`);
      return n + (Number.isNaN(v) ? 0 : v);
    }, 0),
    batches: value("chat_send_batch_size_count"),
    batched: value("chat_send_batch_size_sum"),
  };
}

async function run(label, url, users, groups, { withServerMetrics = false } = {}) {
  const groupOf = users.map((_, i) => groups[Math.floor(i / GROUP)]);
  const t0 = performance.now();
  const sockets = await connectAll(url, users, groupOf);
  log(`${label}: ${sockets.length} clients connected in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const latencies = [];
  let disconnects = 0;
  for (const s of sockets) s.on("disconnect", () => measuring && disconnects++);
  let measuring = false;
  let received = 0;
  let warm = 0;
  let onWarm;
  sockets.forEach((s, i) => {
    s.on("message:new", (m) => {
      const at = performance.now();
      const [sentAt, from, phase] = m.body.split("|");
      if (Number(from) === i) return; // the sender's own echo, if any
      if (phase === "warm") {
        warm++;
        onWarm?.();
        return;
      }
      received++;
      if (measuring) latencies.push(at - Number(sentAt));
    });
  });

  // Warm-up: one message per group, until every other member has it — the rooms are joined.
  const expectedWarm = groups.reduce((n, g) => n + g.members.length - 1, 0);
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${label}: warm-up got ${warm}/${expectedWarm}`)), 60_000);
    onWarm = () => {
      if (warm >= expectedWarm) {
        clearTimeout(timer);
        resolve();
      }
    };
    groups.forEach((g, gi) => {
      const i = gi * GROUP;
      sockets[i].emit(
        "message:send",
        { conversationId: g.id, clientId: `warm-${label}-${gi}`, body: `0|${i}|warm` },
        () => {},
      );
    });
  });

  // Measured phase: a fixed schedule of sends (catching up if a timer fires late).
  let sent = 0;
  let acked = 0;
  let failed = 0;
  let recipients = 0;
  const before = withServerMetrics ? await serverMetrics(url) : null;
  measuring = true;
  // The load generator's own event-loop delay: when it is high, the generator (not the server) limits.
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const start = performance.now();
  const total = RATE * SECONDS;
  await new Promise((resolve) => {
    const tick = setInterval(() => {
      const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * RATE));
      while (sent < due) {
        const i = Math.floor(Math.random() * sockets.length);
        const g = groupOf[i];
        recipients += g.members.length - 1;
        const body = `${performance.now()}|${i}|m`;
        sockets[i].emit("message:send", { conversationId: g.id, clientId: `${label}-${sent}`, body }, (ack) => {
          if (ack?.ok) acked++;
          else failed++;
        });
        sent++;
      }
      if (sent >= total) {
        clearInterval(tick);
        resolve();
      }
    }, 5);
  });
  const sendSeconds = (performance.now() - start) / 1000;
  // Drain: wait for the deliveries still in flight (bounded).
  const drainDeadline = performance.now() + 30_000;
  while ((received < recipients || acked + failed < sent) && performance.now() < drainDeadline) {
    await new Promise((r) => setTimeout(r, 20));
  }
  const seconds = (performance.now() - start) / 1000;
  measuring = false;
  const afterwards = withServerMetrics ? await serverMetrics(url) : null;
  loopDelay.disable();
  for (const s of sockets) s.disconnect();

  latencies.sort((a, b) => a - b);
  return {
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies.at(-1),
    sentPerSecond: sent / sendSeconds,
    deliveredPerSecond: received / seconds,
    lost: recipients - received,
    failed,
    acked,
    sent,
    disconnects,
    generatorDelayP99: loopDelay.percentile(99) / 1e6,
    // Every message acked and delivered, no socket dropped: the latencies describe a system keeping up.
    keptUp: recipients === received && acked === sent && disconnects === 0,
    server: afterwards && {
      loopLagP99: afterwards.loopLagP99,
      gcMs: (afterwards.gcSeconds - before.gcSeconds) * 1000,
      avgBatch: (afterwards.batched - before.batched) / (afterwards.batches - before.batches),
    },
  };
}

const db = await throwawayDatabase();
try {
  const { users, groups } = await createUsersInGroups(db.pool, CLIENTS, GROUP);
  log(`delivery: ${CLIENTS} clients in ${groups.length} groups of ${GROUP}, ${RATE} msg/s for ${SECONDS} s`);

  const floors = [];
  const persisteds = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const relay = await startServer(join(ROOT, "scripts", "bench", "relay-server.mjs"));
    try {
      floors.push(await run(`floor${round}`, relay.url, users, groups));
    } finally {
      await relay.stop();
    }
    // The per-user send budget stays at its production default: the load spreads over all members.
    const chat = await startChatService(db.url);
    try {
      persisteds.push(await run(`persisted${round}`, chat.url, users, groups, { withServerMetrics: true }));
    } finally {
      await chat.stop();
    }
    const [f, p] = [floors.at(-1), persisteds.at(-1)];
    log(
      `round ${round}: floor p50/p99 ${f.p50.toFixed(2)}/${f.p99.toFixed(2)} ms, persisted ${p.p50.toFixed(2)}/${p.p99.toFixed(2)} ms` +
        ` (chat-service event-loop lag p99 ${p.server.loopLagP99.toFixed(1)} ms, GC ${p.server.gcMs.toFixed(0)} ms, ${p.server.avgBatch.toFixed(1)} sends per write)`,
    );
  }
  const median = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.floor((s.length - 1) / 2)];
  };
  const summary = (rs) => ({
    p50: median(rs.map((r) => r.p50)),
    p99: median(rs.map((r) => r.p99)),
    keptUp: rs.every((r) => r.keptUp),
    acked: rs.reduce((n, r) => n + r.acked, 0),
    sent: rs.reduce((n, r) => n + r.sent, 0),
    failed: rs.reduce((n, r) => n + r.failed, 0),
    lost: rs.reduce((n, r) => n + r.lost, 0),
    disconnects: rs.reduce((n, r) => n + r.disconnects, 0),
    sentPerSecond: median(rs.map((r) => r.sentPerSecond)),
    deliveredPerSecond: median(rs.map((r) => r.deliveredPerSecond)),
    generatorDelayP99: median(rs.map((r) => r.generatorDelayP99)),
  });
  const floor = summary(floors);
  const persisted = summary(persisteds);

  const setting = `${CLIENTS} clients, groups of ${GROUP}, ${RATE} msg/s, median of ${ROUNDS} round(s)`;
  const ms = (v) => Number(v.toFixed(2));
  const perRound = (rs) => rs.map((r) => ms(r.p99)).join(", ");
  row("delivery", "relay floor p50 / p99", `${ms(floor.p50)} / ${ms(floor.p99)}`, "ms", {
    setting,
    note: ROUNDS > 1 ? `p99 per round: ${perRound(floors)}` : undefined,
  });
  row("delivery", "persisted p50 / p99", `${ms(persisted.p50)} / ${ms(persisted.p99)}`, "ms", {
    setting,
    note: ROUNDS > 1 ? `p99 per round: ${perRound(persisteds)}` : undefined,
  });
  const saturated = [floor, persisted]
    .map((r, i) =>
      r.keptUp
        ? ""
        : `${i ? "persisted" : "floor"} saturated (${r.sent - r.acked} unacked, ${r.lost} undelivered, ${r.disconnects} disconnects)`,
    )
    .filter(Boolean)
    .join("; ");
  row("delivery", "p99 persisted ÷ floor", Number((persisted.p99 / floor.p99).toFixed(2)), "×", {
    goal: "≤ 1.5",
    // A ratio of two saturated systems says nothing: only met when both kept up with the rate.
    ok: floor.keptUp && persisted.keptUp && persisted.p99 / floor.p99 <= 1.5,
    note: saturated || undefined,
  });
  row("delivery", "acked (persisted / floor)", `${persisted.acked} / ${floor.acked}`, "messages", {
    note: `of ${persisted.sent} sent at ${Math.round(persisted.sentPerSecond)} msg/s; ${persisted.failed} refused`,
  });
  row(
    "delivery",
    "delivered (persisted / floor)",
    `${Math.round(persisted.deliveredPerSecond)} / ${Math.round(floor.deliveredPerSecond)}`,
    "msg/s",
    {
      note: `lost ${persisted.lost} / ${floor.lost}; load generator event-loop delay p99 ${ms(persisted.generatorDelayP99)} / ${ms(floor.generatorDelayP99)} ms`,
    },
  );
} finally {
  await db.drop();
}
process.exit(0);
