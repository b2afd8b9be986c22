// Invite links into private groups, and what a non-member gets from every channel route: 404.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, test } from "node:test";
import type { Conversation, Invite, InvitePreviewResponse, InvitesResponse, Message } from "@messenger/protocol";
import { api, groupOf, type Harness, recorder, register, socketFor, startHarness, type TestUser } from "./helpers.js";

let h: Harness;
before(async () => {
  h = await startHarness({ INVITE_ATTEMPTS_PER_HOUR: "8", PUBLIC_URL: "https://chat.example.com/" });
});
after(async () => {
  await h.close();
});

async function invite(admin: TestUser, conv: string, body: object = {}) {
  const r = await api<Invite>(h, admin, "POST", `/api/conversations/${conv}/invites`, body);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}
const accept = (u: TestUser, code: string) =>
  api<{ conversation: Conversation; error: { code: string } }>(h, u, "POST", `/api/invites/${code}/accept`);

test("a private group's invite link lets people in up to its use limit, then 404", async () => {
  const [dana, lee, kim, bob] = await Promise.all([register(h), register(h), register(h), register(h)]);
  const conv = await groupOf(h, dana, [], "Board");
  const link = await invite(dana, conv, { maxUses: 2, expiresInHours: 24 });
  assert.match(link.code, /^[A-Za-z0-9_-]{22}$/, "128 random bits");
  assert.equal(link.url, `https://chat.example.com/invite/${link.code}`);
  assert.ok(Math.abs(Date.parse(link.expiresAt) - Date.now() - 24 * 3600_000) < 60_000);

  const preview = await api<InvitePreviewResponse>(h, lee, "GET", `/api/invites/${link.code}`);
  assert.equal(preview.status, 200);
  const { title, memberCount, joined } = preview.body.invite;
  assert.deepEqual({ title, memberCount, joined }, { title: "Board", memberCount: 1, joined: false });

  const rd = recorder(await socketFor(h, dana.accessToken));
  const leeIn = await accept(lee, link.code);
  assert.equal(leeIn.status, 200);
  assert.equal(leeIn.body.conversation.id, conv);
  const notice = await rd.waitFor<Message>("message:new", (m) => m.system?.event === "joined");
  assert.deepEqual(notice.system?.userIds, [lee.user.id]);
  // Accepting again as a member changes nothing and uses nothing up.
  assert.equal((await accept(lee, link.code)).status, 200);
  assert.equal((await accept(kim, link.code)).status, 200);
  const spent = await accept(bob, link.code);
  assert.equal(spent.status, 404);
  assert.equal(spent.body.error.code, "not_found");
  assert.equal((await api(h, bob, "GET", `/api/conversations/${conv}`)).status, 404);
  const members = await api<{ conversation: Conversation }>(h, dana, "GET", `/api/conversations/${conv}`);
  assert.equal(members.body.conversation.memberCount, 3);
});

test("an expired or revoked code is 404; only admins make, list and revoke invites", async () => {
  const [dana, lee, kim] = await Promise.all([register(h), register(h), register(h)]);
  const conv = await groupOf(h, dana, [lee]);
  assert.equal((await api(h, lee, "POST", `/api/conversations/${conv}/invites`, {})).status, 403);
  assert.equal((await api(h, lee, "GET", `/api/conversations/${conv}/invites`)).status, 403);
  assert.equal((await api(h, dana, "POST", `/api/conversations/${conv}/invites`, { maxUses: 0 })).status, 400);

  const expiring = await invite(dana, conv, { expiresInHours: 1 });
  await h.app.deps.db.query(
    "UPDATE conversation_invites SET expires_at = now() - interval '1 second' WHERE code = $1",
    [expiring.code],
  );
  assert.equal((await accept(kim, expiring.code)).status, 404, "expired");

  const revoked = await invite(dana, conv);
  const listed = await api<InvitesResponse>(h, dana, "GET", `/api/conversations/${conv}/invites`);
  assert.deepEqual(
    listed.body.invites.map((i) => i.code),
    [revoked.code],
    "live invites only",
  );
  assert.equal((await api(h, lee, "DELETE", `/api/conversations/${conv}/invites/${revoked.code}`)).status, 403);
  assert.equal((await api(h, dana, "DELETE", `/api/conversations/${conv}/invites/${revoked.code}`)).status, 204);
  assert.equal((await api(h, dana, "DELETE", `/api/conversations/${conv}/invites/${revoked.code}`)).status, 404);
  assert.equal((await accept(kim, revoked.code)).status, 404, "revoked");
  assert.equal((await api(h, kim, "GET", `/api/invites/${revoked.code}`)).status, 404);
});

test("trying invite codes is rate-limited per user", async () => {
  const eve = await register(h);
  const codes: number[] = [];
  for (let i = 0; i < 9; i++) codes.push((await accept(eve, randomUUID())).status);
  assert.deepEqual(codes.slice(0, 8), new Array(8).fill(404));
  assert.equal(codes[8], 429);
});

test("a non-member gets 404 from every channel route of a private group, and no events", async () => {
  const [dana, eve] = await Promise.all([register(h), register(h)]);
  const conv = await groupOf(h, dana, []);
  const re = recorder(await socketFor(h, eve.accessToken));
  const link = await invite(dana, conv);
  const tries: [string, "GET" | "POST" | "PATCH" | "PUT" | "DELETE", string, object?][] = [
    ["get", "GET", `/api/conversations/${conv}`],
    ["join", "POST", `/api/conversations/${conv}/join`],
    ["patch", "PATCH", `/api/conversations/${conv}`, { title: "mine" }],
    ["notifications", "PUT", `/api/conversations/${conv}/notifications`, { level: "none", muted: true }],
    ["invite", "POST", `/api/conversations/${conv}/invites`, {}],
    ["list invites", "GET", `/api/conversations/${conv}/invites`],
    ["revoke", "DELETE", `/api/conversations/${conv}/invites/${link.code}`],
    ["messages", "GET", `/api/conversations/${conv}/messages`],
  ];
  for (const [what, method, url, body] of tries) {
    const r = await api<{ error: { code: string } }>(h, eve, method, url, body);
    assert.equal(r.status, 404, `${what}: ${r.status}`);
    assert.equal(r.body.error.code, "not_found");
  }
  // Nothing changed: the code still works for its holder.
  assert.equal((await accept(dana, link.code)).status, 200);
  assert.equal(re.events.length, 0);
});
