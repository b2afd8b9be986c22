// Big groups in the client core against the real chat-service: the list carries no members there, so
// the members panel pages them, authors' names are looked up by id, and "seen by N" comes from the
// server's receipts endpoint.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { type CoreServer, startCoreServer, until } from "./core-harness";

describe("big groups in the client core", () => {
  let server: CoreServer;

  before(async () => {
    server = await startCoreServer({ BIG_CONVERSATION_MEMBERS: "50", BIG_CONVERSATION_RECEIPT_WINDOW_MS: "100" });
  });
  after(async () => {
    await server?.stop();
  });

  /** `n` more members made and added in SQL (registering each through argon2 would take minutes). */
  async function addMembers(conversationId: string, n: number): Promise<string[]> {
    const db = server.app.deps.db;
    const rows = await db.query<{ id: string }>(
      `INSERT INTO users (username, display_name, password_hash)
       SELECT 'crew' || g || '.' || $1, 'Crew ' || lpad(g::text, 3, '0'), 'x' FROM generate_series(1, $2::int) g
       RETURNING id`,
      [randomUUID().slice(0, 6), n],
    );
    const ids = rows.rows.map((r) => r.id);
    await db.query("INSERT INTO conversation_members (conversation_id, user_id) SELECT $1, unnest($2::uuid[])", [
      conversationId,
      ids,
    ]);
    return ids;
  }

  test("the members panel pages through a group of 120 in join order, without repeats, and starts again on reload", async () => {
    const [ada, ben] = await Promise.all([server.signIn("ada"), server.signIn("ben")]);
    const group = await ada.client.createGroup("Whole company", [ben.id]);
    const crew = await addMembers(group.id, 118);

    const pages = ada.client.memberPages(group.id, 50);
    await pages.reload();
    assert.equal(pages.state.get().members.length, 50);
    assert.ok(pages.state.get().next, "there is more");
    await pages.more();
    await pages.more();
    const all = pages.state.get();
    assert.equal(all.next, null, "all 120 are here");
    const ids = all.members.map((m) => m.user.id);
    assert.equal(new Set(ids).size, 120);
    assert.deepEqual(ids.slice(0, 2).sort(), [ada.id, ben.id].sort(), "the first to join come first");
    assert.deepEqual(ids.slice(2).sort(), [...crew].sort(), "then those who joined later");
    assert.equal(all.members.find((m) => m.user.id === ada.id)?.role, "admin");

    // Someone leaves: a reload shows as many as were shown, less them.
    await ada.client.removeMember(group.id, crew[0]!);
    await pages.reload();
    assert.equal(pages.state.get().members.length, 119);
    assert.ok(!pages.state.get().members.some((m) => m.user.id === crew[0]));
  });

  test("in a big group authors' names resolve by id, and 'seen by N' is the server's count of who read", async () => {
    const [cy, dot] = await Promise.all([server.signIn("cyd"), server.signIn("dot")]);
    const group = await cy.client.createGroup("All hands", [dot.id]);
    await addMembers(group.id, 60);
    // The list as a fresh sign-in gets it: a member count and only me.
    await cy.client.stop();
    const again = await server.signIn("cyd", cy.storage, false);
    const c = again.client.stores.conversations.byId(group.id)!;
    assert.deepEqual([c.large, c.memberCount, c.members.map((m) => m.user.id)], [true, 62, [again.id]]);

    dot.client.send(group.id, "hello all");
    await until(again.client, () => again.client.stores.conversations.byId(group.id)?.lastSeq === 1, "cy has it");
    assert.equal(again.client.userOf(c, dot.id), undefined, "not known yet: looked up");
    await until(again.client, () => again.client.userOf(c, dot.id)?.displayName === "dot", "dot's name arrives");

    again.client.send(group.id, "standup moved to 10");
    await until(again.client, () => again.client.stores.conversations.byId(group.id)?.lastSeq === 2, "sent");
    const mine = again.client.stores.conversations.byId(group.id)!.lastMessage!;
    assert.equal((await again.client.messageReceipts(group.id, mine.id)).readCount, 0);
    await dot.client.open(group.id);
    await until(again.client, () => (again.client.stores.liveReads.get()[group.id] ?? 0) > 0, "dot's read arrives");
    const seen = await again.client.messageReceipts(group.id, mine.id);
    assert.deepEqual([seen.readCount, seen.users.map((u) => u.id)], [1, [dot.id]]);
  });
});
