// Message search against a real chat-service and PostgreSQL: words match as you type (prefixes) and by
// their English and Spanish stems, "quoted phrases" as written, filters narrow, file names are found,
// and a conversation the searcher is not in never shows, whatever the query.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import type { Message, SearchResponse } from "@messenger/protocol";
import {
  api,
  type Client,
  directWith,
  emitAck,
  groupOf,
  type Harness,
  register,
  send,
  socketFor,
  startHarness,
  type TestUser,
} from "./helpers.js";

let h: Harness;
let ana: TestUser;
let ben: TestUser;
let eve: TestUser;
let team: string;
let dm: string;
let secret: string;
let a: Client;
let b: Client;

/** What media-service writes after an upload (this test plays media-service). */
async function upload(conversationId: string, uploaderId: string, name: string, kind = "file"): Promise<string> {
  const r = await h.app.deps.db.query<{ id: string }>(
    `INSERT INTO attachments (conversation_id, uploader_id, kind, name, mime, size, status, object_key)
     VALUES ($1, $2, $3, $4, 'application/octet-stream', 1234, 'ready', 'k') RETURNING id`,
    [conversationId, uploaderId, kind, name],
  );
  return r.rows[0]!.id;
}

async function sendWith(s: Client, conversationId: string, body: string, attachmentIds: string[]) {
  const ack = await emitAck<{ message: Message }>(s, "message:send", {
    conversationId,
    clientId: randomUUID(),
    body,
    attachmentIds,
  });
  if (!ack.ok) throw new Error(JSON.stringify(ack.error));
  return ack.message;
}

const search = async (who: TestUser, q: string, extra = "") =>
  api<SearchResponse>(h, who, "GET", `/api/search?q=${encodeURIComponent(q)}${extra}`);
const bodies = async (who: TestUser, q: string, extra = "") => {
  const r = await search(who, q, extra);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.messages.map((m) => m.body);
};

before(async () => {
  h = await startHarness();
  [ana, ben, eve] = await Promise.all([register(h, `ana.${randomUUID().slice(0, 6)}`), register(h), register(h)]);
  team = await groupOf(h, ana, [ben], "Product Team");
  dm = await directWith(h, ana, ben);
  secret = await groupOf(h, eve, [ben], "Board");
  [a, b] = await Promise.all([socketFor(h, ana.accessToken), socketFor(h, ben.accessToken)]);
  const e = await socketFor(h, eve.accessToken);
  await send(a, team, "Welcome to the product team!");
  await send(b, team, "The weekly meeting moved to Thursday");
  await send(a, dm, "Can we talk about the budget review tomorrow?");
  await send(b, dm, "Review the budget first, then we talk");
  await send(b, team, "La reunión de presupuesto es el lunes");
  await send(a, team, "Slides are at https://example.com/deck");
  await sendWith(b, team, "Here it is", [await upload(team, ben.user.id, "quarterly-report_2026.pdf")]);
  await sendWith(a, team, "", [await upload(team, ana.user.id, "whiteboard.jpg", "image")]);
  await send(e, secret, "Welcome to the board: meetings and the budget review are confidential");
});
after(async () => {
  await h.close();
});

describe("message search", () => {
  test("a word matches as it is typed: a prefix finds the whole word", async () => {
    assert.deepEqual(await bodies(ana, "Welc"), ["Welcome to the product team!"]);
    assert.deepEqual(await bodies(ana, "welcome team"), ["Welcome to the product team!"], "every word must match");
  });

  test("English and Spanish stems: meetings finds meeting, reuniones finds reunión", async () => {
    assert.deepEqual(await bodies(ana, "meetings"), ["The weekly meeting moved to Thursday"]);
    assert.deepEqual(await bodies(ana, "reuniones"), ["La reunión de presupuesto es el lunes"]);
    const r = await search(ana, "meetings");
    assert.ok(r.body.terms?.includes("meet"), "the stem comes back for highlighting");
    assert.ok(r.body.terms?.includes("meetings"));
  });

  test('a "quoted phrase" matches the words in that order, next to each other', async () => {
    assert.deepEqual(await bodies(ana, '"budget review"'), ["Can we talk about the budget review tomorrow?"]);
    assert.deepEqual(
      (await bodies(ana, "budget review")).sort(),
      ["Can we talk about the budget review tomorrow?", "Review the budget first, then we talk"],
      "without quotes the words may be anywhere",
    );
    assert.deepEqual(await bodies(ana, '"review budget"'), [], "not across the stemmed copies of the words either");
    assert.deepEqual(await bodies(ana, "budget -tomorrow"), ["Review the budget first, then we talk"]);
  });

  test("filters: from:@user, in:#channel, has:file|image|link, before:/after:", async () => {
    assert.deepEqual(await bodies(ana, `talk from:@${ana.user.username}`), [
      "Can we talk about the budget review tomorrow?",
    ]);
    assert.deepEqual(await bodies(ana, "the in:#product-team"), [
      "The weekly meeting moved to Thursday",
      "Welcome to the product team!",
    ]);
    assert.deepEqual(await bodies(ana, "has:link"), ["Slides are at https://example.com/deck"]);
    assert.deepEqual(await bodies(ana, "has:file"), ["", "Here it is"], "any attachment is a file");
    assert.deepEqual(await bodies(ana, "has:image"), [""]);
    const today = new Date().toISOString().slice(0, 10);
    assert.deepEqual(await bodies(ana, `welcome before:${today}`), [], "today is not before today");
    assert.deepEqual(await bodies(ana, "welcome after:2000-01-01"), ["Welcome to the product team!"]);
    const bad = await search(ana, "welcome before:yesterday");
    assert.equal(bad.status, 400);
    assert.match(JSON.stringify(bad.body), /YYYY-MM-DD/);
    assert.equal((await search(ana, "has:spreadsheet")).status, 400);
  });

  test("file names are searched by their words and prefixes", async () => {
    assert.deepEqual(await bodies(ana, "quarterly"), ["Here it is"]);
    assert.deepEqual(await bodies(ana, "repo"), ["Here it is"]);
    assert.deepEqual(await bodies(ana, "whiteboard"), [""]);
  });

  test("a conversation the searcher is not in never shows, whatever the query", async () => {
    for (const q of ["welcome", "meetings", '"budget review"', "confidential", "in:#board", "has:link", "Welc"]) {
      const found = await search(ana, q);
      assert.ok(!found.body.messages.some((m) => m.conversationId === secret), `"${q}" leaks nothing`);
    }
    assert.deepEqual(await bodies(ana, "confidential"), []);
    assert.equal((await search(ana, "welcome", `&conversationId=${secret}`)).status, 404);
    // Ben is in the board: he finds it there.
    assert.deepEqual(await bodies(ben, "confid"), [
      "Welcome to the board: meetings and the budget review are confidential",
    ]);
  });

  test("odd input is searched as text, never as query syntax", async () => {
    for (const q of ["'", "a & b | !c", "x:*", "<->", '"', "from:", "((", "\\"])
      assert.equal((await search(ana, q)).status, 200, q);
  });
});
