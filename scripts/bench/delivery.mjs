// Persisted delivery vs. the raw socket.io relay floor, in the same run with the same clients:
// N socket.io clients in groups of 10, messages from random members at a fixed total rate;
// latency = sender's emit → each other member's "message:new" (one process, one clock).
//
// The clients do what the real client does (client/src/core/sync.ts, reading.ts, typing.ts): every
// recipient of a live message sends `conversation:delivered`; the recipients that have the conversation
// open (one in five, fixed per run) also send `conversation:read`; a sender announces `typing` before one
// message in three (and stops on sending). BENCH_CLIENT=bare keeps the old clients, which only listen.
// The relay floor carries the same events with the least traffic they need (each receipt to the sender
// of the message it acknowledges, typing to the room), so the ratio compares like with like.
//
// Big channel (full setting only; BENCH_CHANNEL_MEMBERS, default 2,000, 0 = off): one more conversation
// of that many members — every group user plus channel-only users, all connected — receiving 1 msg/s on
// top of the group traffic; it reports that channel's delivery to every other member, the events a
// member's socket receives per channel message, and PostgreSQL's writes per channel message.
//
// BENCH_CLIENTS, BENCH_RATE, BENCH_SECONDS and BENCH_ROUNDS change the setting.
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { io } from "socket.io-client";
import {
  createUsersInGroups,
  JWT_SECRET,
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
const BARE = process.env.BENCH_CLIENT === "bare";
const MODE = BARE ? "bare clients" : "real-client traffic";
const CHANNEL_MEMBERS = Number(process.env.BENCH_CHANNEL_MEMBERS ?? (SMALL ? 0 : 2000));
const CHANNEL_RATE = 1; // messages per second into the big channel
const TYPING_EVERY = 3; // a sender announces typing before one message in this many
const OPEN_ONE_IN = 5; // recipients with the conversation open

async function connectAll(url, users, roomsOf) {
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
        // chat-service joins the rooms of the user's conversations; the relay floor takes them from here.
        auth: { token: u.token, rooms: roomsOf[i] },
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

/**
 * PostgreSQL's own counters for the bench database (chat-service has no metric of its database writes):
 * rows inserted + updated + deleted per table, and transactions committed (read-only ones included).
 */
async function databaseWrites(pool) {
  const { rows } = await pool.query(
    `SELECT relname, (n_tup_ins + n_tup_upd + n_tup_del)::float8 AS tuples FROM pg_stat_user_tables`,
  );
  const { rows: d } = await pool.query(
    "SELECT xact_commit::float8 AS commits FROM pg_stat_database WHERE datname = current_database()",
  );
  return { commits: d[0].commits, tables: Object.fromEntries(rows.map((r) => [r.relname, r.tuples])) };
}
/**
 * A backend reports its counters at most once a second while busy and within 10 s once idle
 * (PostgreSQL 15's PGSTAT_IDLE_INTERVAL), and at once when it exits: the opening read waits out the idle
 * interval so the fixtures and the warm-up are in it; the closing read comes after chat-service stopped.
 */
const STATS_IDLE_MS = 10_500;

const CHANNEL_TABLES = {
  messages: "conversation_id",
  conversations: "id",
  conversation_members: "conversation_id",
  // A big conversation's receipt positions: one row, rewritten once per window (migration 006).
  conversation_positions: "conversation_id",
};
/**
 * The big channel's own writes, counted by PostgreSQL: a do-nothing AFTER ROW trigger per table, fired
 * only for the channel's rows (WHEN), whose calls pg_stat_user_functions counts (track_functions).
 */
async function countChannelWrites(pool, dbName, channelId) {
  await pool.query(`ALTER DATABASE ${dbName} SET track_functions = 'pl'`);
  for (const [table, column] of Object.entries(CHANNEL_TABLES)) {
    await pool.query(
      `CREATE FUNCTION bench_channel_${table}() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NULL; END'`,
    );
    await pool.query(
      `CREATE TRIGGER bench_channel_${table} AFTER INSERT OR UPDATE ON ${table} FOR EACH ROW
       WHEN (NEW.${column} = '${channelId}') EXECUTE FUNCTION bench_channel_${table}()`,
    );
  }
}
async function channelWrites(pool) {
  const { rows } = await pool.query(
    "SELECT funcname, calls::float8 AS calls FROM pg_stat_user_functions WHERE funcname LIKE 'bench_channel_%'",
  );
  return Object.fromEntries(rows.map((r) => [r.funcname.slice("bench_channel_".length), r.calls]));
}

/**
 * One phase: connect every user, warm up, then send at RATE into the groups (and CHANNEL_RATE into the
 * channel, if any) for SECONDS, and drain. `openIn[i]` is the conversation user i has open.
 */
async function run(
  label,
  url,
  { users, groups, groupOf, channel, openIn },
  { withServerMetrics = false, beforeMeasuring } = {},
) {
  const roomsOf = users.map((_, i) =>
    [groupOf[i]?.id, channel && i < channel.members.length ? channel.id : undefined].filter(Boolean),
  );
  const t0 = performance.now();
  const sockets = await connectAll(url, users, roomsOf);
  log(`${label}: ${sockets.length} clients connected in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const channelId = channel?.id;

  const latencies = [];
  const channelLatencies = [];
  /** channel message → [deliveries so far, latency of the last one] */
  const channelReach = new Map();
  let disconnects = 0;
  for (const s of sockets) s.on("disconnect", () => measuring && disconnects++);
  let measuring = false;
  let received = 0;
  let channelReceived = 0;
  let warm = 0;
  let onWarm;
  // Every event a socket receives while measuring, and those about the channel (on channel members' sockets).
  let events = 0;
  let channelEvents = 0;
  // The server's answers to the receipts: refused ones (e.g. a spent event budget) by error code.
  const receiptsRefused = {};
  let receiptsAcked = 0;
  let receiptsSent = 0;
  let receiptsAnswered = 0;
  /** The ack callback of a receipt; those sent while measuring are counted and drained. */
  const receiptAnswer = (counted) => {
    if (!counted) return () => {};
    receiptsSent++;
    return (ack) => {
      receiptsAnswered++;
      if (ack && ack.ok === false) {
        const code = ack.error?.code ?? "error";
        receiptsRefused[code] = (receiptsRefused[code] ?? 0) + 1;
      } else receiptsAcked++;
    };
  };
  sockets.forEach((s, i) => {
    s.onAny((_event, payload) => {
      if (!measuring) return;
      events++;
      if (channelId && payload?.conversationId === channelId) channelEvents++;
    });
    s.on("message:new", (m) => {
      const at = performance.now();
      const [sentAt, from, phase] = m.body.split("|");
      if (Number(from) === i) return; // the sender's own echo, if any
      if (!BARE) {
        // sync.ts receive(): a live message from someone else is acknowledged at once, and read if open.
        const answer = receiptAnswer(measuring);
        s.emit("conversation:delivered", { conversationId: m.conversationId, seq: m.seq }, answer);
        if (openIn[i] === m.conversationId)
          s.emit("conversation:read", { conversationId: m.conversationId, seq: m.seq }, receiptAnswer(measuring));
      }
      if (phase === "warm") {
        warm++;
        onWarm?.();
        return;
      }
      if (m.conversationId === channelId) {
        channelReceived++;
        if (!measuring) return;
        channelLatencies.push(at - Number(sentAt));
        const reach = channelReach.get(m.clientId) ?? [0, 0];
        reach[0]++;
        reach[1] = at - Number(sentAt);
        channelReach.set(m.clientId, reach);
        return;
      }
      received++;
      if (measuring) latencies.push(at - Number(sentAt));
    });
  });

  // Warm-up: one message per conversation, until every other member has it — the rooms are joined.
  const expectedWarm =
    groups.reduce((n, g) => n + g.members.length - 1, 0) + (channel ? channel.members.length - 1 : 0);
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${label}: warm-up got ${warm}/${expectedWarm}`)), 120_000);
    onWarm = () => {
      if (warm >= expectedWarm) {
        clearTimeout(timer);
        resolve();
      }
    };
    const warmUp = (i, cid, n) =>
      sockets[i].emit(
        "message:send",
        { conversationId: cid, clientId: `warm-${label}-${n}`, body: `0|${i}|warm` },
        () => {},
      );
    for (const [gi, g] of groups.entries()) warmUp(gi * GROUP, g.id, gi);
    if (channel) warmUp(0, channel.id, "channel");
  });
  // Let the warm-up's receipts settle before the measured phase.
  await new Promise((r) => setTimeout(r, BARE ? 0 : 1000));

  // Measured phase: a fixed schedule of sends (catching up if a timer fires late).
  let sent = 0;
  let channelSent = 0;
  let acked = 0;
  let failed = 0;
  let recipients = 0;
  if (beforeMeasuring) await beforeMeasuring();
  const before = withServerMetrics ? await serverMetrics(url) : null;
  measuring = true;
  // The load generator's own event-loop delay: when it is high, the generator (not the server) limits.
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const start = performance.now();
  const total = RATE * SECONDS;
  const channelTotal = channel ? CHANNEL_RATE * SECONDS : 0;
  const send = (i, cid, clientId) => {
    // typing.ts: the composer announces typing, and sending ends it (outbox.ts stopTyping).
    const typing = !BARE && (sent + channelSent) % TYPING_EVERY === 0;
    if (typing) sockets[i].emit("typing", { conversationId: cid, typing: true });
    const body = `${performance.now()}|${i}|m`;
    sockets[i].emit("message:send", { conversationId: cid, clientId, body }, (ack) => {
      if (ack?.ok) acked++;
      else failed++;
    });
    if (typing) sockets[i].emit("typing", { conversationId: cid, typing: false });
  };
  await new Promise((resolve) => {
    const tick = setInterval(() => {
      const elapsed = (performance.now() - start) / 1000;
      const due = Math.min(total, Math.floor(elapsed * RATE));
      while (sent < due) {
        const i = Math.floor(Math.random() * CLIENTS);
        recipients += groupOf[i].members.length - 1;
        send(i, groupOf[i].id, `${label}-${sent}`);
        sent++;
      }
      const channelDue = Math.min(channelTotal, Math.floor(elapsed * CHANNEL_RATE + 0.5));
      while (channelSent < channelDue) {
        const i = Math.floor(Math.random() * channel.members.length);
        channelSent++; // before send(): it numbers the sends
        send(i, channel.id, `${label}-channel-${channelSent}`);
      }
      if (sent >= total && channelSent >= channelTotal) {
        clearInterval(tick);
        resolve();
      }
    }, 5);
  });
  const sendSeconds = (performance.now() - start) / 1000;
  const channelRecipients = channel ? channelSent * (channel.members.length - 1) : 0;
  // Drain: wait for the deliveries still in flight (bounded).
  const drainDeadline = performance.now() + 30_000;
  while (
    (received < recipients ||
      channelReceived < channelRecipients ||
      acked + failed < sent + channelSent ||
      receiptsAnswered < receiptsSent) &&
    performance.now() < drainDeadline
  ) {
    await new Promise((r) => setTimeout(r, 20));
  }
  const seconds = (performance.now() - start) / 1000;
  measuring = false;
  const afterwards = withServerMetrics ? await serverMetrics(url) : null;
  loopDelay.disable();
  for (const s of sockets) s.disconnect();

  latencies.sort((a, b) => a - b);
  channelLatencies.sort((a, b) => a - b);
  // Per channel message, the time until its last recipient had it (undefined: someone never got it).
  const toLast = [...channelReach.values()]
    .map(([n, last]) => (n === channel.members.length - 1 ? last : Number.POSITIVE_INFINITY))
    .concat(Array(Math.max(0, channelSent - channelReach.size)).fill(Number.POSITIVE_INFINITY))
    .sort((a, b) => a - b);
  return {
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies.at(-1),
    sentPerSecond: sent / sendSeconds,
    deliveredPerSecond: received / seconds,
    lost: recipients - received,
    failed,
    acked,
    sent: sent + channelSent,
    disconnects,
    eventsPerDelivery: events / (received + channelReceived),
    receiptsAcked,
    receiptsRefused,
    generatorDelayP99: loopDelay.percentile(99) / 1e6,
    // Every message acked and delivered, no socket dropped: the latencies describe a system keeping up.
    keptUp:
      recipients === received &&
      channelRecipients === channelReceived &&
      acked === sent + channelSent &&
      receiptsAcked === receiptsSent &&
      disconnects === 0,
    channel: channel && {
      sent: channelSent,
      p50: percentile(channelLatencies, 50),
      p99: percentile(channelLatencies, 99),
      toLastP50: percentile(toLast, 50),
      toLastP99: percentile(toLast, 99),
      lost: channelRecipients - channelReceived,
      // Events about the channel on each member's socket, per channel message.
      eventsPerMember: channelEvents / channel.members.length / channelSent,
    },
    server: afterwards && {
      loopLagP99: afterwards.loopLagP99,
      gcMs: (afterwards.gcSeconds - before.gcSeconds) * 1000,
      avgBatch: (afterwards.batched - before.batched) / (afterwards.batches - before.batches),
    },
  };
}

/** The big channel: `members` members — the group users first, then channel-only users — in one group conversation. */
async function createChannel(pool, users, members) {
  const extra = Math.max(0, members - users.length);
  const { rows } = await pool.query(
    `INSERT INTO users (username, display_name, password_hash)
     SELECT 'channel' || g, 'Channel ' || g, 'not-a-hash' FROM generate_series(1, $1) g
     RETURNING id, username`,
    [extra],
  );
  rows.sort((a, b) => Number(a.username.slice(7)) - Number(b.username.slice(7)));
  const { signAccessToken } = await import("@messenger/common");
  for (const u of rows) u.token = await signAccessToken(JWT_SECRET, { userId: u.id, username: u.username }, 3600);
  const all = [...users, ...rows].slice(0, members);
  const { rows: c } = await pool.query(
    "INSERT INTO conversations (kind, title, created_by) VALUES ('group', 'Everyone', $1) RETURNING id",
    [all[0].id],
  );
  await pool.query("INSERT INTO conversation_members (conversation_id, user_id) SELECT $1, unnest($2::uuid[])", [
    c[0].id,
    all.map((m) => m.id),
  ]);
  return { id: c[0].id, members: all };
}

const db = await throwawayDatabase();
try {
  const { users, groups } = await createUsersInGroups(db.pool, CLIENTS, GROUP);
  const groupOf = users.map((_, i) => groups[Math.floor(i / GROUP)]);
  // Who has which conversation open, fixed for the run: one user in five has their group open.
  const luck = users.map(() => Math.random());
  const openIn = users.map((_, i) => (luck[i] < 1 / OPEN_ONE_IN ? groupOf[i].id : null));
  log(`delivery (${MODE}): ${CLIENTS} clients in ${groups.length} groups of ${GROUP}, ${RATE} msg/s for ${SECONDS} s`);

  /** A floor phase then a persisted phase on the same setup; the persisted one with PostgreSQL's write counts. */
  async function round(label, setup) {
    const relay = await startServer(join(ROOT, "scripts", "bench", "relay-server.mjs"));
    let floor;
    try {
      floor = await run(`floor${label}`, relay.url, setup);
    } finally {
      await relay.stop();
    }
    // The per-user send budget stays at its production default: the load spreads over all members.
    const chat = await startChatService(db.url);
    let persisted;
    let writesBefore;
    let channelBefore;
    try {
      persisted = await run(`persisted${label}`, chat.url, setup, {
        withServerMetrics: true,
        beforeMeasuring: async () => {
          await new Promise((r) => setTimeout(r, STATS_IDLE_MS));
          writesBefore = await databaseWrites(db.pool);
          channelBefore = setup.channel ? await channelWrites(db.pool) : {};
        },
      });
    } finally {
      await chat.stop();
    }
    const writesAfter = await databaseWrites(db.pool);
    const byTable = Object.fromEntries(
      Object.entries(writesAfter.tables)
        .map(([t, n]) => [t, n - (writesBefore.tables[t] ?? 0)])
        .filter(([, n]) => n > 0),
    );
    // Going offline writes the user's lastSeenAt when the sockets close: not part of the traffic.
    const tuples = Object.entries(byTable).reduce((n, [t, v]) => n + (t === "users" ? 0 : v), 0);
    persisted.writes = { commits: writesAfter.commits - writesBefore.commits, tuples, byTable };
    if (setup.channel) {
      const channelAfter = await channelWrites(db.pool);
      persisted.channelWrites = Object.fromEntries(
        Object.keys(CHANNEL_TABLES).map((t) => [t, (channelAfter[t] ?? 0) - (channelBefore[t] ?? 0)]),
      );
    }
    const [f, p] = [floor, persisted];
    log(
      `round ${label}: floor p50/p99 ${f.p50.toFixed(2)}/${f.p99.toFixed(2)} ms, persisted ${p.p50.toFixed(2)}/${p.p99.toFixed(2)} ms` +
        ` (chat-service event-loop lag p99 ${p.server.loopLagP99.toFixed(1)} ms, GC ${p.server.gcMs.toFixed(0)} ms, ${p.server.avgBatch.toFixed(1)} sends per write;` +
        ` ${p.writes.commits} commits, rows written ${JSON.stringify(p.writes.byTable)};` +
        ` receipts acked ${p.receiptsAcked} / ${f.receiptsAcked}, refused ${JSON.stringify(p.receiptsRefused)} / ${JSON.stringify(f.receiptsRefused)})` +
        (p.channel
          ? `; channel p50/p99 floor ${f.channel.p50.toFixed(1)}/${f.channel.p99.toFixed(1)} ms, persisted ${p.channel.p50.toFixed(1)}/${p.channel.p99.toFixed(1)} ms,` +
            ` to the last member ${f.channel.toLastP99.toFixed(1)} / ${p.channel.toLastP99.toFixed(1)} ms,` +
            ` lost ${f.channel.lost} / ${p.channel.lost}, events per member per message ${f.channel.eventsPerMember.toFixed(1)} / ${p.channel.eventsPerMember.toFixed(1)}`
          : ""),
    );
    return [floor, persisted];
  }

  const floors = [];
  const persisteds = [];
  for (let r = 1; r <= ROUNDS; r++) {
    const [f, p] = await round(String(r), { users, groups, groupOf, openIn });
    floors.push(f);
    persisteds.push(p);
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
    eventsPerDelivery: median(rs.map((r) => r.eventsPerDelivery)),
  });
  const floor = summary(floors);
  const persisted = summary(persisteds);

  const setting = `${MODE}; ${CLIENTS} clients, groups of ${GROUP}, ${RATE} msg/s, median of ${ROUNDS} round(s)`;
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
  const perMessage = (p) => ({ tuples: p.writes.tuples / p.sent, commits: p.writes.commits / p.sent });
  const tablesPerMessage = (p, minus = {}, n = p.sent) =>
    Object.entries(p.writes.byTable)
      .filter(([t]) => t !== "users")
      .map(([t, v]) => `${t} ${ms((v - (minus[t] ?? 0)) / n)}`)
      .join(", ");
  const groupWrites = {
    tuples: median(persisteds.map((p) => perMessage(p).tuples)),
    commits: median(persisteds.map((p) => perMessage(p).commits)),
  };
  row(
    "delivery",
    "events per recipient per message (persisted / floor)",
    `${ms(persisted.eventsPerDelivery)} / ${ms(floor.eventsPerDelivery)}`,
    "events",
    { note: "every event the sockets received while measuring ÷ messages delivered to them" },
  );
  row("delivery", "database writes per message", ms(groupWrites.tuples), "rows", {
    note: `rows inserted + updated + deleted per message (${tablesPerMessage(persisteds.at(-1))}; last round) and ${ms(groupWrites.commits)} transactions, read-only ones included; from PostgreSQL's pg_stat_user_tables / pg_stat_database for the bench database (chat-service has no metric of its writes); the users' lastSeenAt written on disconnect left out`,
  });

  if (CHANNEL_MEMBERS > 0) {
    const channel = await createChannel(db.pool, users, CHANNEL_MEMBERS);
    await countChannelWrites(db.pool, db.name, channel.id);
    const all = [...users, ...channel.members.slice(users.length)];
    // One member in five has the channel open: those with their group open keep it open, so another fifth.
    const channelOpen = all.map((_, i) => {
      if (i >= channel.members.length) return openIn[i];
      const r = i < users.length ? luck[i] : Math.random();
      if (i < users.length && r < 1 / OPEN_ONE_IN) return openIn[i];
      return (i < users.length ? r - 1 / OPEN_ONE_IN : r) < 1 / OPEN_ONE_IN ? channel.id : null;
    });
    log(`big channel: ${CHANNEL_MEMBERS} members, ${CHANNEL_RATE} msg/s on top of the groups`);
    const [f, p] = await round(" channel", {
      users: all,
      groups,
      groupOf: all.map((_, i) => groupOf[i]),
      channel,
      openIn: channelOpen,
    });
    const n = channel.members.length - 1;
    const csetting = `${MODE}; one conversation of ${channel.members.length} members, all connected, ${CHANNEL_RATE} msg/s (${p.channel.sent} messages) on top of ${RATE} msg/s in groups of ${GROUP}; 1 round`;
    row(
      "delivery",
      `big channel, to all ${n} recipients p50 / p99 (persisted)`,
      `${ms(p.channel.p50)} / ${ms(p.channel.p99)}`,
      "ms",
      {
        setting: csetting,
        note: `floor ${ms(f.channel.p50)} / ${ms(f.channel.p99)} ms; lost ${p.channel.lost} / ${f.channel.lost} of ${p.channel.sent * n}`,
      },
    );
    const toLast = (c) => (Number.isFinite(c.toLastP99) ? ms(c.toLastP99) : "never (lost)");
    row("delivery", `big channel, to the ${n}th recipient p99 (persisted)`, toLast(p.channel), "ms", {
      goal: "≤ 250",
      ok: p.keptUp && p.channel.toLastP99 <= 250,
      note: `per message, until its last recipient had it; p50 ${Number.isFinite(p.channel.toLastP50) ? ms(p.channel.toLastP50) : "never"} ms; floor p50 / p99 ${ms(f.channel.toLastP50)} / ${toLast(f.channel)} ms`,
    });
    row(
      "delivery",
      "big channel, events per member per message (persisted / floor)",
      `${ms(p.channel.eventsPerMember)} / ${ms(f.channel.eventsPerMember)}`,
      "events",
      {
        goal: "≤ 3",
        ok: p.channel.eventsPerMember <= 3,
        note: "events about the channel each member's socket received while measuring ÷ members ÷ channel messages",
      },
    );
    const cw = p.channelWrites;
    const channelTuples = Object.values(cw).reduce((n, v) => n + v, 0) / p.channel.sent;
    row("delivery", "big channel, database writes per message", ms(channelTuples), "rows", {
      goal: "≤ 5",
      ok: p.keptUp && channelTuples <= 5,
      note: `${Object.entries(cw)
        .map(([t, v]) => `${t} ${ms(v / p.channel.sent)}`)
        .join(
          ", ",
        )}; the channel's rows inserted / updated, counted by PostgreSQL (pg_stat_user_functions calls of a do-nothing trigger fired for the channel's rows only); the phase ${p.keptUp ? "kept up" : `did not keep up (${p.sent - p.acked} unacked, ${p.lost} + ${p.channel.lost} undelivered, ${p.receiptsRefused ? JSON.stringify(p.receiptsRefused) : "no"} receipts refused, ${p.disconnects} disconnects)`}`,
    });
  }
} finally {
  await db.drop();
}
process.exit(0);
