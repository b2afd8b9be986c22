// A big group's members come in pages, and every conversation says how many members it has.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Conversation, MembersResponse } from "@messenger/protocol";
import { api, groupOf, type Harness, register, startHarness } from "./helpers.js";

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h.close();
});

test("a group's members page in join order without repeats or gaps, and memberCount says how many", async () => {
  const admin = await register(h);
  const others = [];
  for (let i = 0; i < 11; i++) others.push(await register(h));
  // The first five join with the group (one statement: the same joined_at), the rest one by one later.
  const conv = await groupOf(h, admin, others.slice(0, 5));
  for (const o of others.slice(5))
    assert.equal(
      (await api(h, admin, "POST", `/api/conversations/${conv}/members`, { userIds: [o.user.id] })).status,
      200,
    );

  const list = await api<{ conversations: Conversation[] }>(h, others[0]!, "GET", "/api/conversations");
  assert.equal(list.body.conversations.find((c) => c.id === conv)?.memberCount, 12);

  const seen: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const url: string = `/api/conversations/${conv}/members?limit=5${cursor ? `&cursor=${cursor}` : ""}`;
    const page: { status: number; body: MembersResponse } = await api<MembersResponse>(h, others[3]!, "GET", url);
    assert.equal(page.status, 200);
    assert.ok(page.body.members.length <= 5);
    seen.push(...page.body.members.map((m) => m.user.id));
    cursor = page.body.nextCursor;
    pages++;
  } while (cursor);
  assert.equal(pages, 3);
  assert.equal(new Set(seen).size, 12);
  // Those added later come after those who were there from the start.
  assert.deepEqual(
    seen.slice(6),
    others.slice(5).map((o) => o.user.id),
  );
});

test("a non-member gets 404 for the members of a group, and a forged cursor is a 400", async () => {
  const admin = await register(h);
  const outsider = await register(h);
  const conv = await groupOf(h, admin, []);
  const refused = await api(h, outsider, "GET", `/api/conversations/${conv}/members`);
  assert.equal(refused.status, 404);
  const forged = await api<{ error: { code: string } }>(
    h,
    admin,
    "GET",
    `/api/conversations/${conv}/members?cursor=abc`,
  );
  assert.equal(forged.status, 400);
  assert.equal(forged.body.error.code, "bad_request");
});
