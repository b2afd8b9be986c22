// History reads with a large messages table: the latest page of 50, a page deep in the past, and the
// `after=` catch-up a reconnecting client makes. Rows are bulk-inserted in SQL (generate_series) into a
// throw-away database; times are loopback HTTP round trips with keep-alive, an upper bound on server time.
import { createUsersInGroups, log, row, SMALL, startTimedChatService, throwawayDatabase } from "./lib.mjs";

const TOTAL = Number(process.env.BENCH_MESSAGES ?? (SMALL ? 20_000 : 1_000_000));
const REQUESTS = SMALL ? 50 : 300;
const CHUNK = 100_000;

const db = await throwawayDatabase();
try {
  const { users, groups } = await createUsersInGroups(db.pool, 10, 10);
  const conv = groups[0].id;
  const t0 = performance.now();
  // All in one conversation (the worst case for one conversation's index range), senders rotating.
  for (let from = 1; from <= TOTAL; from += CHUNK) {
    const to = Math.min(TOTAL, from + CHUNK - 1);
    await db.pool.query(
      `INSERT INTO messages (conversation_id, seq, sender_id, client_id, body, created_at)
       SELECT $1, g, ($2::uuid[])[1 + g % 10], 'seed-' || g,
              'message number ' || g || ' about the quarterly plan and the team offsite',
              now() - make_interval(secs => $4 - g)
       FROM generate_series($3::bigint, $5::bigint) g`,
      [conv, users.map((u) => u.id), from, TOTAL, to],
    );
  }
  await db.pool.query("UPDATE conversations SET last_seq = $2, last_activity_at = now() WHERE id = $1", [conv, TOTAL]);
  await db.pool.query("ANALYZE");
  log(`history: ${TOTAL} messages inserted in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const chat = await startTimedChatService(db.url);
  try {
    const headers = { authorization: `Bearer ${users[0].token}` };
    const base = `${chat.url}/api/conversations/${conv}/messages`;
    const time = (query, check) => chat.time(() => `${base}?${query()}`, headers, check, REQUESTS);
    const report = (metric, r, setting) =>
      row("history", `${metric} p50 / p99`, r.server, "ms", {
        goal: "≤ 5",
        setting,
        note: `round trip ${r.roundTrip} ms`,
      });
    const rand = (lo, hi) => lo + Math.floor(Math.random() * (hi - lo));
    const setting = `${TOTAL.toLocaleString("en")} messages`;
    const fifty = (b) => {
      if (b.messages.length !== 50) throw new Error(`expected 50 messages, got ${b.messages.length}`);
    };
    report("latest page of 50, server", await time(() => "limit=50", fifty), setting);
    report(
      "page of 50 deep in history, server",
      await time(() => `before=${rand(100, TOTAL)}&limit=50`, fifty),
      setting,
    );
    const hundred = (b) => {
      if (b.messages.length !== 100) throw new Error(`expected 100 messages, got ${b.messages.length}`);
    };
    report(
      "after= catch-up of 100, server",
      await time(() => `after=${rand(1, TOTAL - 200)}&limit=100`, hundred),
      setting,
    );
  } finally {
    await chat.stop();
  }
} finally {
  await db.drop();
}
process.exit(0);
