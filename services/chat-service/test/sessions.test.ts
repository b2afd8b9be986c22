// A socket or token lives only as long as what let it in: the session, the user, the token's lifetime.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { signAccessToken } from "@messenger/common";
import { eventually } from "@messenger/common/testing";
import type { AuthResponse } from "@messenger/protocol";
import {
  api,
  disconnected,
  emitAck,
  groupOf,
  type Harness,
  PASSWORD,
  register,
  send,
  signInAgain,
  socketFor,
  startHarness,
} from "./helpers.js";

let h: Harness;
before(async () => {
  h = await startHarness({ SESSION_CHECK_MS: "100", SOCKETS_PER_USER: "3" });
});
after(async () => {
  await h.close();
});

const post = (url: string, payload: object, headers: Record<string, string> = {}) =>
  h.app.inject({ method: "POST", url, payload, headers });

test("logging out closes that session's sockets at once; another device's session stays", async () => {
  const laptop = await register(h);
  const phone = await signInAgain(h, laptop);
  const bob = await register(h);
  const conv = await groupOf(h, laptop, [bob]);
  const sLaptop = await socketFor(h, laptop.accessToken);
  const sPhone = await socketFor(h, phone.accessToken);
  const closed = disconnected(sLaptop);

  const out = await post("/api/auth/logout", { refreshToken: laptop.refreshToken });
  assert.equal(out.statusCode, 204);
  assert.equal(await closed, "io server disconnect");
  // The logged-out session's access token is refused too, not only its refresh token.
  assert.equal((await api(h, laptop, "GET", "/api/me")).status, 401);
  const again = await post("/api/auth/refresh", { refreshToken: laptop.refreshToken });
  assert.equal(again.statusCode, 401);

  assert.equal(sPhone.connected, true);
  await send(sPhone, conv, "still here on the phone");
  assert.equal((await api(h, phone, "GET", "/api/me")).status, 200);
});

test("a stolen refresh token used twice ends its session: the victim's sockets close", async () => {
  const u = await register(h);
  const s = await socketFor(h, u.accessToken);
  const closed = disconnected(s);
  const first = await post("/api/auth/refresh", { refreshToken: u.refreshToken });
  assert.equal(first.statusCode, 200);
  const replay = await post("/api/auth/refresh", { refreshToken: u.refreshToken });
  assert.equal(replay.statusCode, 401);
  assert.equal(await closed, "io server disconnect");
  // The thief's freshly rotated tokens are dead as well.
  const { accessToken, refreshToken } = first.json() as AuthResponse;
  assert.equal((await post("/api/auth/refresh", { refreshToken })).statusCode, 401);
  const me = await h.app.inject({ method: "GET", url: "/api/me", headers: { authorization: `Bearer ${accessToken}` } });
  assert.equal(me.statusCode, 401);
});

test("a socket closes when its access token expires, unless auth:refresh handed it a newer one", async () => {
  const u = await register(h);
  const sessionId = (await h.app.deps.db.query("SELECT id FROM sessions WHERE user_id = $1", [u.user.id])).rows[0].id;
  const claims = { userId: u.user.id, username: u.user.username, sessionId };
  // Both expire in 2 s; `kept` is signed first, so its expiry is never later than `dropped`'s.
  const keptToken = await signAccessToken(h.config.JWT_SECRET, claims, 2);
  const droppedToken = await signAccessToken(h.config.JWT_SECRET, claims, 2);
  const kept = await socketFor(h, keptToken);
  const dropped = await socketFor(h, droppedToken);

  const fresh = await signAccessToken(h.config.JWT_SECRET, claims, 3600);
  assert.deepEqual(await emitAck(kept, "auth:refresh", { token: fresh }), { ok: true });
  // Someone else's token, or garbage, is refused and changes nothing.
  const other = await register(h);
  const refused = await emitAck(kept, "auth:refresh", { token: other.accessToken });
  assert.equal(refused.ok, false);
  assert.equal((await emitAck(kept, "auth:refresh", { token: "garbage" })).ok, false);

  assert.equal(await disconnected(dropped), "io server disconnect");
  // `kept`'s old token has expired too by now; the socket is still served.
  assert.equal(kept.connected, true);
  assert.deepEqual(await emitAck(kept, "typing", { conversationId: await groupOf(h, u, []), typing: false }), {
    ok: true,
  });
});

test("a deleted user's token is refused and their sockets close within seconds", async () => {
  const u = await register(h);
  const bob = await register(h);
  const conv = await groupOf(h, bob, [u]);
  const s = await socketFor(h, u.accessToken);
  const closed = disconnected(s);
  await h.app.deps.db.query("DELETE FROM users WHERE id = $1", [u.user.id]);
  assert.equal(await closed, "io server disconnect");
  // Creating things as the deleted user is never a 500: a clean refusal at once, 401 within seconds.
  await eventually("the deleted user's token gets 401", async () => {
    const create = await api(h, u, "POST", "/api/conversations", { kind: "group", title: "ghost", memberIds: [] });
    assert.notEqual(create.status, 500, JSON.stringify(create.body));
    return create.status === 401;
  });
  assert.equal((await api(h, bob, "GET", `/api/conversations/${conv}/messages`)).status, 200);
});

test("a deactivated user cannot sign in, refresh or keep a socket", async () => {
  const u = await register(h);
  const s = await socketFor(h, u.accessToken);
  const closed = disconnected(s);
  await h.app.deps.db.query("UPDATE users SET deactivated_at = now() WHERE id = $1", [u.user.id]);
  assert.equal(await closed, "io server disconnect");
  const login = await post("/api/auth/login", { username: u.user.username, password: PASSWORD });
  // Told only to someone who knows the password (a wrong one still answers invalid_credentials).
  assert.equal(login.statusCode, 403);
  assert.equal(login.json().error.code, "account_deactivated");
  const guess = await post("/api/auth/login", { username: u.user.username, password: "wrong password here" });
  assert.equal(guess.json().error.code, "invalid_credentials");
  assert.equal((await post("/api/auth/refresh", { refreshToken: u.refreshToken })).statusCode, 401);
  await eventually(
    "the deactivated user's token gets 401",
    async () => (await api(h, u, "GET", "/api/me")).status === 401,
  );
});

test("a user's sockets are capped per instance: a new one closes the oldest", async () => {
  const u = await register(h);
  const first = await socketFor(h, u.accessToken);
  const closed = disconnected(first);
  const rest = [];
  for (let i = 0; i < 3; i++) rest.push(await socketFor(h, u.accessToken));
  assert.equal(await closed, "io server disconnect");
  assert.deepEqual(
    rest.map((s) => s.connected),
    [true, true, true],
  );
});
