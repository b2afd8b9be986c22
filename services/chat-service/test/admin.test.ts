// Workspace administration: the first account owns the workspace, the sign-up policy and invites,
// roles, deactivation, guests, and the audit log, against a real server, database and sockets.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, test } from "node:test";
import type {
  AdminUsersResponse,
  AuditResponse,
  CreateWorkspaceInviteResponse,
  SettingsResponse,
  User,
  UsersResponse,
} from "@messenger/protocol";
import {
  api,
  directWith,
  disconnected,
  emitAck,
  groupOf,
  type Harness,
  PASSWORD,
  recorder,
  register,
  registerRequest,
  socketFor,
  startHarness,
  type TestUser,
  within,
} from "./helpers.js";

let h: Harness;
let owner: TestUser;
before(async () => {
  // A fresh install's default: invitation only, once the owner exists.
  h = await startHarness({ REGISTRATION: "invite" });
  owner = await register(h, "owner");
});
after(async () => {
  await h.close();
});

const invite = async (body: object = {}) => {
  const r = await api<CreateWorkspaceInviteResponse>(h, owner, "POST", "/api/admin/invites", body);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
};
const settings = async (body: object) => {
  const r = await api<SettingsResponse>(h, owner, "PUT", "/api/admin/settings", body);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.settings;
};
const member = async () => register(h, undefined, { inviteCode: (await invite()).code });
const errorOf = (res: { json(): unknown }) => (res.json() as { error: { code: string } }).error.code;

test("the first account owns the workspace; after it, registration needs an invite", async () => {
  assert.equal(owner.user.role, "owner");
  const options = await h.app.inject({ method: "GET", url: "/api/auth/options" });
  assert.equal(options.json().registration, "invite");

  const uninvited = await registerRequest(h);
  assert.equal(uninvited.statusCode, 403);
  assert.equal(errorOf(uninvited), "invite_invalid");
  assert.equal(errorOf(await registerRequest(h, undefined, { inviteCode: "made-up-code" })), "invite_invalid");

  const inv = await invite({ role: "guest", expiresInHours: 2 });
  assert.match(inv.url, new RegExp(`/\\?invite=${inv.code}$`));
  const guest = await register(h, undefined, { inviteCode: inv.code });
  assert.equal(guest.user.role, "guest");
  // An invite is used once.
  assert.equal(errorOf(await registerRequest(h, undefined, { inviteCode: inv.code })), "invite_invalid");
});

test("an invite for an email address gives the account that address; a revoked invite is refused", async () => {
  const inv = await invite({ email: "dana@example.com" });
  assert.equal(
    errorOf(await registerRequest(h, undefined, { inviteCode: inv.code, email: "x@example.com" })),
    "invite_invalid",
  );
  const dana = await register(h, undefined, { inviteCode: inv.code });
  const me = await api<{ profile: { email: string } }>(h, dana, "GET", "/api/me");
  assert.equal(me.body.profile.email, "dana@example.com");

  const revoked = await invite();
  assert.equal((await api(h, owner, "DELETE", `/api/admin/invites/${revoked.invite.id}`)).status, 204);
  assert.equal(errorOf(await registerRequest(h, undefined, { inviteCode: revoked.code })), "invite_invalid");
  const list = await api<{ invites: { id: string; revokedAt: string | null }[] }>(
    h,
    owner,
    "GET",
    "/api/admin/invites",
  );
  assert.ok(list.body.invites.find((i) => i.id === revoked.invite.id)?.revokedAt);
});

test("the stored policy wins over REGISTRATION: closed refuses even invites, open admits the company's domain", async () => {
  const inv = await invite();
  await settings({ registration: "closed" });
  const closed = await registerRequest(h, undefined, { inviteCode: inv.code });
  assert.equal(closed.statusCode, 403);
  assert.equal(errorOf(closed), "registration_closed");

  const s = await settings({ registration: "open", allowedEmailDomains: ["Example.com"] });
  assert.deepEqual(s, { registration: "open", allowedEmailDomains: ["example.com"], passwordLogin: true });
  assert.equal(errorOf(await registerRequest(h)), "email_domain_not_allowed");
  assert.equal(errorOf(await registerRequest(h, undefined, { email: "eve@evil.test" })), "email_domain_not_allowed");
  const ok = await registerRequest(h, undefined, { email: `ann.${randomUUID().slice(0, 4)}@example.com` });
  assert.equal(ok.statusCode, 201, ok.body);
  // The invite was not used up by the refusal.
  await register(h, undefined, { inviteCode: inv.code });
  await settings({ registration: "invite", allowedEmailDomains: [] });
});

test("every admin route refuses members and guests with 403", async () => {
  const m = await member();
  const g = await register(h, undefined, { inviteCode: (await invite({ role: "guest" })).code });
  const someone = randomUUID();
  for (const u of [m, g]) {
    const calls: [Parameters<typeof api>[2], string, object?][] = [
      ["GET", "/api/admin/settings"],
      ["PUT", "/api/admin/settings", { registration: "open" }],
      ["GET", "/api/admin/users"],
      ["PATCH", `/api/admin/users/${owner.user.id}`, { deactivated: true }],
      ["POST", "/api/admin/invites", {}],
      ["GET", "/api/admin/invites"],
      ["DELETE", `/api/admin/invites/${someone}`],
      ["GET", "/api/admin/audit"],
    ];
    for (const [method, url, body] of calls) {
      const r = await api<{ error: { code: string } }>(h, u, method, url, body);
      assert.equal(r.status, 403, `${u.user.role} ${method} ${url}`);
      assert.equal(r.body.error.code, "forbidden");
    }
  }
  assert.equal((await api(h, null, "GET", "/api/admin/users")).status, 401);
  const still = await api<SettingsResponse>(h, owner, "GET", "/api/admin/settings");
  assert.equal(still.body.settings.registration, "invite");
});

test("an admin changes roles; nobody changes the owner or themselves; changes are audited", async () => {
  const m = await member();
  const promoted = await api<{ user: User }>(h, owner, "PATCH", `/api/admin/users/${m.user.id}`, { role: "admin" });
  assert.equal(promoted.body.user.role, "admin");
  // Now an admin: the console opens for them, but not on the owner or on themselves.
  assert.equal((await api(h, m, "GET", "/api/admin/settings")).status, 200);
  assert.equal((await api(h, m, "PATCH", `/api/admin/users/${owner.user.id}`, { role: "member" })).status, 403);
  assert.equal((await api(h, m, "PATCH", `/api/admin/users/${m.user.id}`, { role: "member" })).status, 403);
  assert.equal((await api(h, owner, "PATCH", `/api/admin/users/${randomUUID()}`, { role: "member" })).status, 404);
  assert.equal((await api(h, owner, "PATCH", `/api/admin/users/${m.user.id}`, { role: "owner" })).status, 400);

  const found = await api<AdminUsersResponse>(h, owner, "GET", `/api/admin/users?q=${m.user.username}`);
  assert.deepEqual(
    found.body.users.map((u) => [u.id, u.role]),
    [[m.user.id, "admin"]],
  );
  const audit = await api<AuditResponse>(h, owner, "GET", `/api/admin/audit?userId=${m.user.id}`);
  const change = audit.body.entries.find((e) => e.action === "role_changed");
  assert.deepEqual(change?.details, { from: "member", to: "admin" });
  assert.equal(change?.actorId, owner.user.id);
});

test("the admin's user list pages through everyone by username", async () => {
  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const page: { body: AdminUsersResponse } = await api<AdminUsersResponse>(
      h,
      owner,
      "GET",
      `/api/admin/users?limit=2${cursor ? `&cursor=${cursor}` : ""}`,
    );
    assert.ok(page.body.users.length <= 2);
    seen.push(...page.body.users.map((u) => u.username));
    cursor = page.body.nextCursor;
  } while (cursor);
  const all = await h.app.deps.db.query<{ username: string }>("SELECT username FROM users ORDER BY username");
  assert.deepEqual(
    seen,
    all.rows.map((r) => r.username),
  );
});

test("deactivation closes the account's sockets within 5 s, refuses its login, labels it and ends its call", async () => {
  const leaver = await member();
  const peer = await member();
  const conv = await directWith(h, leaver, peer);
  const sLeaver = await socketFor(h, leaver.accessToken);
  const sPeer = await socketFor(h, peer.accessToken);
  const peerEvents = recorder(sPeer);
  const callId = randomUUID();
  const invited = await emitAck(sLeaver, "call:invite", { callId, conversationId: conv, video: false });
  assert.equal(invited.ok, true, JSON.stringify(invited));
  await peerEvents.waitFor("call:incoming");

  const closed = disconnected(sLeaver);
  const r = await api<{ user: User }>(h, owner, "PATCH", `/api/admin/users/${leaver.user.id}`, { deactivated: true });
  assert.equal(r.body.user.deactivated, true);
  assert.equal(await within(5000, "the deactivated user's socket closes", closed), "io server disconnect");
  await within(
    5000,
    "the peer's phone stops ringing",
    peerEvents.waitFor("call:ended", (e: { callId: string }) => e.callId === callId),
  );
  const labelled = await within(
    5000,
    "the peer hears the account was deactivated",
    peerEvents.waitFor<User>("user:updated", (u) => u.id === leaver.user.id && u.deactivated),
  );
  assert.equal(labelled.online, false);

  const login = await h.app.inject({
    method: "POST",
    url: "/api/auth/login",
    payload: { username: leaver.user.username, password: PASSWORD },
  });
  assert.equal(login.statusCode, 403);
  assert.equal(errorOf(login), "account_deactivated");
  assert.equal((await api(h, leaver, "GET", "/api/me")).status, 401);
  // Their messages stay, their name labelled.
  const view = await api<{ conversation: { members: { user: User }[] } }>(h, peer, "GET", `/api/conversations/${conv}`);
  assert.equal(view.body.conversation.members.find((m) => m.user.id === leaver.user.id)?.user.deactivated, true);
  // Nobody finds them as a new contact.
  const dir = await api<UsersResponse>(h, peer, "GET", `/api/users?q=${leaver.user.username}`);
  assert.deepEqual(dir.body.users, []);

  // Reactivated, they can sign in again.
  await api(h, owner, "PATCH", `/api/admin/users/${leaver.user.id}`, { deactivated: false });
  const again = await h.app.inject({
    method: "POST",
    url: "/api/auth/login",
    payload: { username: leaver.user.username, password: PASSWORD },
  });
  assert.equal(again.statusCode, 200);
  const audit = await api<AuditResponse>(h, owner, "GET", `/api/admin/audit?userId=${leaver.user.id}`);
  assert.deepEqual(
    audit.body.entries.map((e) => e.action).filter((a) => a.startsWith("user_")),
    ["user_reactivated", "user_deactivated", "user_registered"],
  );
});

test("failed logins are audited per account, and settings changes with before and after", async () => {
  const m = await member();
  await h.app.inject({
    method: "POST",
    url: "/api/auth/login",
    payload: { username: m.user.username, password: "not the password at all" },
  });
  const audit = await api<AuditResponse>(h, owner, "GET", `/api/admin/audit?userId=${m.user.id}`);
  assert.equal(audit.body.entries[0]?.action, "login_failed");
  assert.equal(audit.body.entries[0]?.ip, "127.0.0.1");
  const all = await api<AuditResponse>(h, owner, "GET", "/api/admin/audit?limit=200");
  const change = all.body.entries.find((e) => e.action === "settings_changed");
  assert.ok(change && "before" in change.details && "after" in change.details);
  // Pages go back in time without repeats.
  const first = await api<AuditResponse>(h, owner, "GET", "/api/admin/audit?limit=3");
  const second = await api<AuditResponse>(h, owner, "GET", `/api/admin/audit?limit=3&cursor=${first.body.nextCursor}`);
  assert.ok(Number(second.body.entries[0]!.id) < Number(first.body.entries[2]!.id));
});

test("a guest sees and reaches only the people they share a conversation with", async () => {
  const guest = await register(h, undefined, { inviteCode: (await invite({ role: "guest" })).code });
  const host = await member();
  const stranger = await member();
  await groupOf(h, host, [guest], "Project with a contractor");

  const dir = await api<UsersResponse>(h, guest, "GET", "/api/users?q=");
  const ids = dir.body.users.map((u) => u.id).sort();
  assert.deepEqual(ids, [guest.user.id, host.user.id].sort());
  // A stranger's id reaches nothing: no DM, no group with them.
  assert.equal(
    (await api(h, guest, "POST", "/api/conversations", { kind: "direct", userId: stranger.user.id })).status,
    404,
  );
  const group = await api(h, guest, "POST", "/api/conversations", {
    kind: "group",
    title: "x",
    memberIds: [stranger.user.id],
  });
  assert.equal(group.status, 400);
  // Their contact they can message directly.
  assert.equal(
    (await api(h, guest, "POST", "/api/conversations", { kind: "direct", userId: host.user.id })).status,
    201,
  );
  // Members see everyone, the guest included.
  const full = await api<UsersResponse>(h, stranger, "GET", `/api/users?q=${guest.user.username}`);
  assert.deepEqual(
    full.body.users.map((u) => [u.id, u.role]),
    [[guest.user.id, "guest"]],
  );
});

test("a guest can neither browse nor join public channels; a member can", async () => {
  const guest = await register(h, undefined, { inviteCode: (await invite({ role: "guest" })).code });
  const host = await member();
  const open = await api<{ conversation: { id: string } }>(h, host, "POST", "/api/conversations", {
    kind: "group",
    title: "Open to the company",
    memberIds: [],
    visibility: "public",
  });
  assert.equal(open.status, 201);
  const id = open.body.conversation.id;

  assert.equal((await api(h, guest, "GET", "/api/channels?q=")).status, 403);
  assert.equal((await api(h, guest, "POST", `/api/conversations/${id}/join`)).status, 403);
  const other = await member();
  const seen = await api<{ channels: { id: string }[] }>(h, other, "GET", "/api/channels?q=");
  assert.ok(seen.body.channels.some((c) => c.id === id));
  assert.equal((await api(h, other, "POST", `/api/conversations/${id}/join`)).status, 200);
});
