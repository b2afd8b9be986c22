// Sends the server turns away for a passing reason — the per-user send budget is spent
// (`rate_limited`), the database is down or hiccuped (`internal`), no answer (`timeout`) — go out again
// by themselves, with the same clientId and in the order they were written, for as long as the outbox
// holds them; only a refusal (not a member, invalid…) shows the message as failed. Against the real
// chat-service on real PostgreSQL.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { connect, createServer, type Socket } from "node:net";
import { after, before, describe, type TestContext, test } from "node:test";
import { createPool, type Db } from "@messenger/common";
import { createTestDatabase, eventually, type TestDatabase } from "@messenger/common/testing";
import type { Message, MessagesResponse } from "@messenger/protocol";
import type { Auth } from "../src/core/auth";
import { type ChatClient, type SendBackoff, sendRetryDelay } from "../src/core/client";
import { type CoreServer, type SignedIn, startCoreServer, until } from "./core-harness";

/** The whole history of a conversation as the server has it, paged through the API (small pages on purpose). */
async function history(auth: Auth, cid: string): Promise<Message[]> {
  const all: Message[] = [];
  let after = 0;
  for (;;) {
    const page = await auth.api<MessagesResponse>(`/api/conversations/${cid}/messages?after=${after}&limit=3`);
    all.push(...page.messages);
    if (!page.hasMore || page.messages.length === 0) return all;
    after = page.messages.at(-1)!.seq;
  }
}

/** Every `message:send` the client puts on the wire, by clientId, in the order they go out. */
function recordSends(client: ChatClient): string[] {
  const sent: string[] = [];
  client.socket.onAnyOutgoing((event, payload) => {
    if (event === "message:send") sent.push((payload as { clientId: string }).clientId);
  });
  return sent;
}

/** Runs of the same clientId collapsed: the order in which messages were worked on. */
const runs = (ids: string[]) => ids.filter((id, i) => id !== ids[i - 1]);

/** Sends `bodies` without waiting; resolves once none is pending, recording whether one ever showed as failed. */
async function sendBurst(user: SignedIn, cid: string, bodies: string[]) {
  const tl = () => user.client.stores.messages.timeline(cid);
  let everFailed = false;
  const off = user.client.stores.messages.subscribe(() => {
    if (tl().pending.some((p) => p.status === "failed")) everFailed = true;
  });
  const ids = bodies.map((b) => user.client.send(cid, b)!);
  await until(
    user.client,
    () => tl().pending.length === 0 || tl().pending.some((p) => p.status === "failed"),
    "every message acknowledged",
    60_000,
  );
  off();
  return { ids, everFailed, pending: tl().pending };
}

/** Two new users and a DM between them; the sender has it open and its sends are recorded. */
async function directChat(server: CoreServer, senderName: string, readerName: string) {
  const sender = await server.signIn(senderName);
  const reader = await server.signIn(readerName);
  const { id: cid } = await sender.client.startDirect(reader.id);
  await sender.client.open(cid);
  return { sender, reader, cid, sent: recordSends(sender.client) };
}

describe("sending faster than the server's send budget", () => {
  let server: CoreServer;

  before(async () => {
    server = await startCoreServer({ SEND_RATE_PER_SECOND: "2" });
  });

  after(async () => {
    await server?.stop();
  });

  test("a pasted burst goes out by itself: every message once, in order, none shown as failed", async () => {
    const { sender: ada, reader: bo, cid, sent } = await directChat(server, "adaline", "boris");

    const bodies = Array.from({ length: 8 }, (_, i) => `line ${i + 1}`);
    const { ids, everFailed, pending } = await sendBurst(ada, cid, bodies);

    assert.deepEqual(pending, [], "nothing left for the user to retry");
    assert.equal(everFailed, false, "no message ever showed as failed");
    assert.ok(sent.length > bodies.length, "the server did turn some away (2 a second), so some went twice");
    assert.deepEqual(runs(sent), ids, "each message was sent until accepted before the next one went out");

    const onServer = await history(bo.auth, cid);
    assert.deepEqual(
      onServer.map((m) => m.body),
      bodies,
    );
    assert.deepEqual(
      onServer.map((m) => m.clientId),
      ids,
      "with the clientIds they were written with",
    );
    assert.deepEqual(
      onServer.map((m) => m.seq),
      bodies.map((_, i) => i + 1),
    );
    assert.deepEqual(
      ada.client.stores.messages.timeline(cid).messages.map((m) => [m.seq, m.body]),
      onServer.map((m) => [m.seq, m.body]),
      "the sender's timeline shows what the server has",
    );
  });
});

describe("sending while the database fails requests", () => {
  let db: TestDatabase;
  let sql: Db;
  let server: CoreServer;

  before(async () => {
    db = await createTestDatabase();
    sql = createPool(db.url, 1);
    // Inserts of a message whose body starts with a rule's prefix fail (the request gets `internal`)
    // for the first `fail_first` attempts; a sequence, which a rollback does not undo, counts them.
    await sql.query(`
      CREATE TABLE test_outage (prefix text PRIMARY KEY, counter text NOT NULL, fail_first int NOT NULL);
      CREATE FUNCTION test_outage() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE rule record;
      BEGIN
        FOR rule IN SELECT * FROM test_outage WHERE NEW.body LIKE prefix || '%' LOOP
          IF nextval(rule.counter::regclass) <= rule.fail_first THEN
            RAISE EXCEPTION 'database briefly unavailable';
          END IF;
        END LOOP;
        RETURN NEW;
      END $$;
      CREATE TRIGGER test_outage BEFORE INSERT ON messages FOR EACH ROW EXECUTE FUNCTION test_outage();
    `);
    server = await startCoreServer({ DATABASE_URL: db.url }, { sendBackoff: { firstMs: 20, maxMs: 200 } });
  });

  after(async () => {
    await server?.stop();
    await sql?.end();
    await db?.drop();
  });

  /** Messages starting with `prefix` cannot be stored for their first `failFirst` attempts. */
  async function outage(prefix: string, failFirst: number) {
    const counter = `attempts_${prefix}`;
    await sql.query(`CREATE SEQUENCE ${counter}`);
    await sql.query("INSERT INTO test_outage VALUES ($1, $2, $3)", [prefix, counter, failFirst]);
    return {
      /** How many times the server tried to store such a message. */
      async attempts(): Promise<number> {
        const { rows } = await sql.query(`SELECT CASE WHEN is_called THEN last_value ELSE 0 END AS n FROM ${counter}`);
        return Number(rows[0].n);
      },
      async end() {
        await sql.query("DELETE FROM test_outage WHERE prefix = $1", [prefix]);
      },
    };
  }

  test("a message the database failed to store goes out by itself; the one written after it waits its turn", async () => {
    const { sender: cy, reader: di, cid, sent } = await directChat(server, "cyrus", "dinah");
    const flaky = await outage("flaky", 3);

    const { ids, everFailed, pending } = await sendBurst(cy, cid, ["flaky: first", "second"]);

    assert.deepEqual(pending, []);
    assert.equal(everFailed, false, "never shown as failed");
    assert.equal(await flaky.attempts(), 4, "refused three times, stored on the fourth");
    assert.deepEqual(sent, [ids[0], ids[0], ids[0], ids[0], ids[1]], "the second went out only after the first");
    const onServer = await history(di.auth, cid);
    assert.deepEqual(
      onServer.map((m) => [m.seq, m.body, m.clientId]),
      [
        [1, "flaky: first", ids[0]],
        [2, "second", ids[1]],
      ],
    );
  });

  test("a reconnect while a message waits to go again does not lose it or send it twice", async () => {
    const { sender: ed, reader: flo, cid, sent } = await directChat(server, "edgar", "flora");
    const wobbly = await outage("wobbly", 2);

    const clientId = ed.client.send(cid, "wobbly line")!;
    // Once the server has refused it once, the client is waiting to send it again: drop the connection.
    await eventually("the server saw the message", async () => (await wobbly.attempts()) >= 1, 20_000);
    ed.client.networkChanged(false);
    ed.client.networkChanged(true);
    await until(ed.client, () => ed.client.stores.connection.get() === "connected", "back online");

    const tl = () => ed.client.stores.messages.timeline(cid);
    await until(ed.client, () => tl().pending.length === 0, "sent", 60_000);
    const onServer = await history(flo.auth, cid);
    assert.deepEqual(
      onServer.map((m) => m.clientId),
      [clientId],
      "stored once",
    );
    assert.equal(
      sent.filter((id) => id === clientId).length,
      await wobbly.attempts(),
      "every send reached the server: none was lost to the dropped connection or doubled by the reconnect",
    );
  });
});

/**
 * A TCP link to PostgreSQL that can be cut, as a database restart or a network outage does: while it is
 * down every connection through it is closed and new ones are closed at once.
 */
async function databaseLink(databaseUrl: string) {
  const target = new URL(databaseUrl);
  let down = false;
  const open = new Set<Socket>();
  const proxy = createServer((client) => {
    if (down) return client.destroy();
    const upstream = connect(Number(target.port || 5432), target.hostname);
    const close = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    for (const s of [client, upstream]) {
      open.add(s);
      s.on("error", close);
      s.on("close", close);
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  const url = new URL(databaseUrl);
  url.hostname = "127.0.0.1";
  url.port = String((proxy.address() as { port: number }).port);
  return {
    url: url.toString(),
    down() {
      down = true;
      for (const s of open) s.destroy();
    },
    up() {
      down = false;
    },
    close: () => new Promise<void>((resolve) => proxy.close(() => resolve())),
  };
}

/** The old client gave up after this many attempts (about 15 s): an outage outlasting it used to fail the message. */
const OLD_SEND_ATTEMPTS = 6;

/**
 * For the enclosing describe: a chat-service on a fresh database reached through a link the tests can
 * cut, whose clients wait `sendBackoff` between attempts.
 */
function serverBehindLink(sendBackoff: SendBackoff) {
  const ctx = {} as { db: TestDatabase; link: Awaited<ReturnType<typeof databaseLink>>; server: CoreServer };
  before(async () => {
    ctx.db = await createTestDatabase();
    ctx.link = await databaseLink(ctx.db.url);
    ctx.server = await startCoreServer({ DATABASE_URL: ctx.link.url }, { sendBackoff });
  });
  after(async () => {
    ctx.link?.up();
    await ctx.server?.stop();
    await ctx.link?.close();
    await ctx.db?.drop();
  });
  return ctx;
}

describe("sending while the database is down", () => {
  // The real backoff doubles from 1 s to 30 s; scaled down here so the outage need not last minutes.
  const ctx = serverBehindLink({ firstMs: 20, maxMs: 200 });

  test("a message sent while the database is down for longer than the old retry budget is delivered once it is back, exactly once, shown as sending meanwhile", async (t) => {
    const { sender: ivo, reader: jo, cid, sent } = await directChat(ctx.server, "ivo", "josefa");
    const tl = () => ivo.client.stores.messages.timeline(cid);
    let everFailed = false;
    const off = ivo.client.stores.messages.subscribe(() => {
      if (tl().pending.some((p) => p.status === "failed")) everFailed = true;
    });

    ctx.link.down();
    t.after(() => ctx.link.up());
    const clientId = ivo.client.send(cid, "sent during the outage")!;
    const later = ivo.client.send(cid, "written after it")!;
    await eventually(
      `${2 * OLD_SEND_ATTEMPTS} attempts while the database was down`,
      () => sent.filter((id) => id === clientId).length >= 2 * OLD_SEND_ATTEMPTS,
      30_000,
    );
    const waiting = tl().pending.find((p) => p.clientId === clientId);
    assert.equal(waiting?.status, "pending", "still shown as sending");
    assert.equal(waiting?.error?.code, "internal", "with the reason it has not gone yet, for the UI");
    assert.ok(!sent.includes(later), "nothing written after it went first");

    ctx.link.up();
    await until(ivo.client, () => tl().pending.length === 0, "delivered once the database is back", 30_000);
    off();
    assert.equal(everFailed, false, "never shown as failed");
    const onServer = await history(jo.auth, cid);
    assert.deepEqual(
      onServer.map((m) => [m.body, m.clientId]),
      [
        ["sent during the outage", clientId],
        ["written after it", later],
      ],
      "each stored exactly once, in the order written",
    );
  });

  test("a refusal is shown as failed at once, after one attempt", async () => {
    const { sender: kai, sent } = await directChat(ctx.server, "kai", "lotte");
    const nowhere = randomUUID(); // a conversation that does not exist (or that kai is not in)
    const clientId = kai.client.send(nowhere, "to nowhere")!;
    const failed = () => kai.client.stores.messages.timeline(nowhere).pending.find((p) => p.clientId === clientId);
    await until(kai.client, () => failed()?.status === "failed", "shown as failed");
    assert.equal(failed()?.error?.code, "not_found");
    assert.deepEqual(
      sent.filter((id) => id === clientId),
      [clientId],
      "sent once, not again",
    );
  });
});

describe("Retry now", () => {
  // A wait far longer than the test: only "Retry now" (or Discard) can move the conversation on in time.
  const ctx = serverBehindLink({ firstMs: 600_000, maxMs: 600_000 });

  /** A DM whose sender wrote `bodies` while the database was down; resolves once the first was refused and the database is back. */
  async function writtenDuringOutage(t: TestContext, names: [string, string], bodies: string[]) {
    const chat = await directChat(ctx.server, ...names);
    const tl = () => chat.sender.client.stores.messages.timeline(chat.cid);
    ctx.link.down();
    t.after(() => ctx.link.up());
    const ids = bodies.map((body) => chat.sender.client.send(chat.cid, body)!);
    await until(chat.sender.client, () => !!tl().pending.find((p) => p.clientId === ids[0])?.error, "refused once");
    ctx.link.up();
    return { ...chat, ids, tl };
  }

  test("sends a message waiting out its backoff at once, still only once", async (t) => {
    const { sender, reader, cid, sent, ids, tl } = await writtenDuringOutage(t, ["mona", "nia"], ["retry me"]);
    sender.client.retry(cid, ids[0]!);
    await until(sender.client, () => tl().pending.length === 0, "sent on Retry now");
    assert.deepEqual(
      (await history(reader.auth, cid)).map((m) => m.clientId),
      ids,
    );
    assert.equal(sent.filter((id) => id === ids[0]).length, 2, "the refused attempt and the one Retry now made");
  });

  test("discarding a waiting message lets the ones written after it go at once", async (t) => {
    const { sender, reader, cid, ids, tl } = await writtenDuringOutage(t, ["oscar", "pia"], ["never mind", "this one"]);
    sender.client.discard(cid, ids[0]!);
    await until(sender.client, () => tl().pending.length === 0, "the later one sent");
    assert.deepEqual(
      (await history(reader.auth, cid)).map((m) => m.clientId),
      [ids[1]],
    );
  });
});

describe("when a refused send goes again", () => {
  const internal = { code: "internal", message: "internal error" };

  test("refusals that will not pass are shown at once", () => {
    for (const code of ["bad_request", "not_found", "forbidden", "invalid_attachment", "too_large", "unauthorized"])
      assert.equal(sendRetryDelay({ code, message: "" }, 1), null, code);
  });

  test("passing refusals wait longer each time, from 1 s up to 30 s, and never give up", () => {
    for (const code of ["rate_limited", "internal", "unavailable", "timeout"]) {
      const waits = Array.from({ length: 9 }, (_, i) => sendRetryDelay({ code, message: "" }, i + 1, () => 0.5));
      assert.deepEqual(waits, [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000, 30000], code);
    }
    assert.equal(
      sendRetryDelay(internal, 1000, () => 0.5),
      30000,
    );
  });

  test("the wait is jittered a little, so clients refused together do not come back together", () => {
    for (let failures = 1; failures < 8; failures++) {
      const low = sendRetryDelay(internal, failures, () => 0)!;
      const high = sendRetryDelay(internal, failures, () => 0.999)!;
      const base = sendRetryDelay(internal, failures, () => 0.5)!;
      assert.ok(low < base && base < high, `spread around ${base}`);
      assert.ok(low >= base * 0.75 && high <= base * 1.25, `a little: ${low}–${high}`);
    }
  });
});
