// The conversation list of a user in many conversations, some of them big: `GET /api/conversations`
// for one user in 200 conversations (BENCH_LIST_CONVERSATIONS), three of them with 2,000 members
// (BENCH_LIST_BIG_MEMBERS) and the rest groups of 10, each with a last message, and the big ones
// with every member's receipt position moved (their positions row full). Fixtures in SQL; server time
// is Fastify's responseTime, the response size the JSON body's bytes.
import { log, row, SMALL, startTimedChatService, throwawayDatabase } from "./lib.mjs";

const CONVERSATIONS = Number(process.env.BENCH_LIST_CONVERSATIONS ?? 200);
const BIG = 3;
const BIG_MEMBERS = Number(process.env.BENCH_LIST_BIG_MEMBERS ?? (SMALL ? 300 : 2000));
const GROUP = 10;
const REQUESTS = SMALL ? 30 : 200;

const db = await throwawayDatabase();
try {
  const t0 = performance.now();
  const { pool } = db;
  const { rows: users } = await pool.query(
    `INSERT INTO users (username, display_name, password_hash)
     SELECT 'list' || g, 'List user ' || g, 'not-a-hash' FROM generate_series(1, $1::int) g
     RETURNING id, username`,
    [BIG_MEMBERS],
  );
  users.sort((a, b) => Number(a.username.slice(4)) - Number(b.username.slice(4)));
  const me = users[0];
  const ids = users.map((u) => u.id);
  // The big ones: everyone; the rest: me and the next nine, sliding through the users.
  const { rows: convs } = await pool.query(
    `INSERT INTO conversations (kind, title, created_by, last_seq)
     SELECT 'group', CASE WHEN g <= $2 THEN 'Company ' || g ELSE 'Team ' || g END, $3, 1
     FROM generate_series(1, $1::int) g RETURNING id, title`,
    [CONVERSATIONS, BIG, me.id],
  );
  const big = convs.filter((c) => c.title.startsWith("Company "));
  const small = convs.filter((c) => !c.title.startsWith("Company "));
  for (const c of big)
    await pool.query("INSERT INTO conversation_members (conversation_id, user_id) SELECT $1, unnest($2::uuid[])", [
      c.id,
      ids,
    ]);
  await pool.query(
    `INSERT INTO conversation_members (conversation_id, user_id)
     SELECT c.conversation_id, ($2::uuid[])[1 + ((c.n * 9 + k) % array_length($2::uuid[], 1))]
     FROM (SELECT conversation_id, row_number() OVER () AS n FROM unnest($1::uuid[]) AS conversation_id) c,
          generate_series(1, $3::int - 1) k
     ON CONFLICT DO NOTHING`,
    [small.map((c) => c.id), ids.slice(1), GROUP],
  );
  await pool.query(
    "INSERT INTO conversation_members (conversation_id, user_id) SELECT unnest($1::uuid[]), $2 ON CONFLICT DO NOTHING",
    [small.map((c) => c.id), me.id],
  );
  // One message in each (the list shows it), from me.
  await pool.query(
    `INSERT INTO messages (conversation_id, seq, sender_id, client_id, body)
     SELECT c, 1, $2, 'seed', 'the latest news in this conversation, long enough to be a real preview line'
     FROM unnest($1::uuid[]) c`,
    [convs.map((c) => c.id), me.id],
  );
  // Every member of the big ones has delivered and read it: their positions row is full.
  for (const c of big)
    await pool.query(
      `INSERT INTO conversation_positions (conversation_id, positions)
       SELECT $1, jsonb_object_agg(u, jsonb_build_array(1, 1)) FROM unnest($2::uuid[]) u`,
      [c.id, ids],
    );
  await pool.query("ANALYZE");
  log(
    `conversation list: ${CONVERSATIONS} conversations (${BIG} of ${BIG_MEMBERS} members) in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );

  const { signAccessToken } = await import("@messenger/common");
  const { JWT_SECRET } = await import("./lib.mjs");
  const token = await signAccessToken(JWT_SECRET, { userId: me.id, username: me.username }, 3600);
  const chat = await startTimedChatService(db.url);
  try {
    const check = (b) => {
      if (b.conversations.length !== CONVERSATIONS)
        throw new Error(`expected ${CONVERSATIONS} conversations, got ${b.conversations.length}`);
      const company = b.conversations.find((c) => c.title === "Company 1");
      if (company?.memberCount !== BIG_MEMBERS) throw new Error(`memberCount ${company?.memberCount}`);
    };
    const r = await chat.time(
      () => `${chat.url}/api/conversations`,
      { authorization: `Bearer ${token}` },
      check,
      REQUESTS,
    );
    const setting = `${CONVERSATIONS} conversations, ${BIG} of ${BIG_MEMBERS.toLocaleString("en")} members`;
    row("conversation-list", "GET /api/conversations, server p50 / p99", r.server, "ms", {
      goal: "≤ 20",
      ok: r.serverP99 <= 20,
      setting,
      note: `round trip ${r.roundTrip} ms`,
    });
    row("conversation-list", "response size", (r.bytes / 1024).toFixed(1), "KB", {
      goal: "≤ 200",
      ok: r.bytes <= 200 * 1024,
      setting,
    });
  } finally {
    await chat.stop();
  }
} finally {
  await db.drop();
}
process.exit(0);
