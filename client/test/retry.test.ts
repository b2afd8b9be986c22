// Sends the server turns away for a passing reason — the per-user send budget is spent
// (`rate_limited`), the database hiccuped (`internal`) — go out again by themselves, with the same
// clientId and in the order they were written; only when the attempts run out does the message show
// as failed. Against the real chat-service on real PostgreSQL.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { createPool, type Db } from "@messenger/common";
import { createTestDatabase, type TestDatabase } from "@messenger/common/testing";
import type { Message, MessagesResponse } from "@messenger/protocol";
import type { Auth } from "../src/core/auth";
import { type ChatClient, SEND_ATTEMPTS, sendRetryDelay } from "../src/core/client";
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
    server = await startCoreServer({ DATABASE_URL: db.url });
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
    const deadline = Date.now() + 20_000;
    while ((await wobbly.attempts()) < 1) {
      assert.ok(Date.now() < deadline, "the server never saw the message");
      await delay(10);
    }
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

  test("when the attempts run out it shows as failed with the reason; nothing written after it went first", async () => {
    const { sender: gil, reader: hu, cid } = await directChat(server, "gilda", "hugo");
    const doomed = await outage("doomed", 1_000_000);
    const tl = () => gil.client.stores.messages.timeline(cid);

    const doomedId = gil.client.send(cid, "doomed line")!;
    gil.client.send(cid, "written after it");
    const failed = () => tl().pending.find((p) => p.clientId === doomedId && p.status === "failed");
    let shownWhenFailed: string[] | undefined;
    await until(
      gil.client,
      () => {
        // Read at the moment it turns failed, before anything else can happen.
        if (failed()) shownWhenFailed ??= tl().messages.map((m) => m.body);
        return !!failed();
      },
      "shown as failed",
      60_000,
    );
    assert.deepEqual(shownWhenFailed, [], "the later message had waited behind it");
    assert.equal(failed()?.error?.code, "internal", "the reason is kept for the UI");
    assert.equal(await doomed.attempts(), SEND_ATTEMPTS, "tried the bounded number of times, no more");

    // Then the later one goes out; Retry (same clientId) sends the failed one once the database is back.
    await until(gil.client, () => tl().messages.some((m) => m.body === "written after it"), "later one sent");
    await doomed.end();
    gil.client.retry(cid, doomedId);
    await until(gil.client, () => tl().pending.length === 0, "retried and sent");
    const onServer = await history(hu.auth, cid);
    assert.deepEqual(
      onServer.map((m) => m.body),
      ["written after it", "doomed line"],
    );
    assert.equal(onServer[1]?.clientId, doomedId);
  });
});

describe("when a refused send goes again", () => {
  const internal = { code: "internal", message: "internal error" };

  test("refusals that will not pass are shown at once", () => {
    for (const code of ["bad_request", "not_found", "forbidden", "invalid_attachment", "too_large", "unauthorized"])
      assert.equal(sendRetryDelay({ code, message: "" }, 1), null, code);
  });

  test("passing refusals wait longer each time, capped, and give up after the bounded number of attempts", () => {
    for (const code of ["rate_limited", "internal", "timeout"]) {
      const mid = Array.from({ length: SEND_ATTEMPTS - 1 }, (_, i) =>
        sendRetryDelay({ code, message: "" }, i + 1, () => 0.5),
      );
      assert.deepEqual(mid, [500, 1000, 2000, 4000, 8000].slice(0, SEND_ATTEMPTS - 1), code);
      assert.equal(sendRetryDelay({ code, message: "" }, SEND_ATTEMPTS), null, `${code}: attempts ran out`);
    }
    assert.equal(
      sendRetryDelay(internal, 20, () => 0.5),
      null,
    );
  });

  test("the wait is jittered a little, so clients refused together do not come back together", () => {
    for (let failures = 1; failures < SEND_ATTEMPTS; failures++) {
      const low = sendRetryDelay(internal, failures, () => 0)!;
      const high = sendRetryDelay(internal, failures, () => 0.999)!;
      const base = sendRetryDelay(internal, failures, () => 0.5)!;
      assert.ok(low < base && base < high, `spread around ${base}`);
      assert.ok(low >= base * 0.75 && high <= base * 1.25, `a little: ${low}–${high}`);
    }
  });
});
