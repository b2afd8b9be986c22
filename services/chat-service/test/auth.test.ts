import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, test } from "node:test";
import { ACCESS_COOKIE, verifyAccessToken } from "@messenger/common";
import type { AuthResponse, Tokens, User } from "@messenger/protocol";
import { loadConfig } from "../src/config.js";
import { api, type Harness, PASSWORD, register, startHarness } from "./helpers.js";

let h: Harness;
before(async () => {
  h = await startHarness({ LOGIN_ATTEMPTS_PER_MINUTE: "5" });
});
after(async () => {
  await h.close();
});

const post = (url: string, payload: object) => h.app.inject({ method: "POST", url, payload });

test("register, then log in; a taken username is 409 and a wrong password 401", async () => {
  const res = await post("/api/auth/register", {
    username: "grace",
    password: "hopper-1906-analytical",
    displayName: "Grace H",
  });
  assert.equal(res.statusCode, 201);
  const body = res.json() as AuthResponse;
  assert.equal(body.user.username, "grace");
  assert.equal(body.user.displayName, "Grace H");
  const claims = await verifyAccessToken(h.config.JWT_SECRET, body.accessToken);
  assert.equal(claims?.userId, body.user.id);
  // The access token is also an httpOnly cookie for media URLs.
  const cookie = String(res.headers["set-cookie"]);
  assert.match(cookie, new RegExp(`^${ACCESS_COOKIE}=`));
  assert.match(cookie, /HttpOnly/);
  assert.match(cookie, /SameSite=Lax/);
  assert.match(cookie, /Path=\//);
  assert.match(cookie, /Max-Age=900/);

  const dup = await post("/api/auth/register", { username: "grace", password: "another pass phrase" });
  assert.equal(dup.statusCode, 409);
  assert.equal(dup.json().error.code, "username_taken");

  const ok = await post("/api/auth/login", { username: "grace", password: "hopper-1906-analytical" });
  assert.equal(ok.statusCode, 200);
  assert.equal((ok.json() as AuthResponse).user.id, body.user.id);
  const bad = await post("/api/auth/login", { username: "grace", password: "wrong-password" });
  assert.equal(bad.statusCode, 401);
  assert.equal(bad.json().error.code, "invalid_credentials");
  const nobody = await post("/api/auth/login", { username: "nobody", password: "wrong-password" });
  assert.equal(nobody.json().error.code, "invalid_credentials");

  // The stored password is an argon2id hash.
  const row = await h.app.deps.db.query("SELECT password_hash FROM users WHERE username = 'grace'");
  assert.match(row.rows[0].password_hash, /^\$argon2id\$/);
});

test("refresh rotates the token; reusing a rotated token revokes the whole family", async () => {
  const u = await register(h);
  const r1 = await post("/api/auth/refresh", { refreshToken: u.refreshToken });
  assert.equal(r1.statusCode, 200);
  const t1 = r1.json() as Tokens;
  assert.notEqual(t1.refreshToken, u.refreshToken);
  assert.match(String(r1.headers["set-cookie"]), new RegExp(`^${ACCESS_COOKIE}=`));
  // The old one is spent.
  const replay = await post("/api/auth/refresh", { refreshToken: u.refreshToken });
  assert.equal(replay.statusCode, 401);
  assert.equal(replay.json().error.code, "invalid_refresh_token");
  // ...and the replay revoked the family, so even the newest token is dead.
  const afterReplay = await post("/api/auth/refresh", { refreshToken: t1.refreshToken });
  assert.equal(afterReplay.statusCode, 401);
  // A separate login is a separate family and unaffected.
  const login = await post("/api/auth/login", { username: u.user.username, password: PASSWORD });
  const t2 = login.json() as Tokens;
  assert.equal((await post("/api/auth/refresh", { refreshToken: t2.refreshToken })).statusCode, 200);
  assert.equal((await post("/api/auth/refresh", { refreshToken: "made-up" })).statusCode, 401);
});

test("logout revokes the refresh token and clears the cookie", async () => {
  const u = await register(h);
  const out = await post("/api/auth/logout", { refreshToken: u.refreshToken });
  assert.equal(out.statusCode, 204);
  assert.match(
    String(out.headers["set-cookie"]),
    new RegExp(`^${ACCESS_COOKIE}=;.*(Max-Age=0|Expires=Thu, 01 Jan 1970)`),
  );
  assert.equal((await post("/api/auth/refresh", { refreshToken: u.refreshToken })).statusCode, 401);
});

test("login attempts are rate limited per account (429 rate_limited)", async () => {
  const u = await register(h);
  const codes: number[] = [];
  for (let i = 0; i < 7; i++) {
    codes.push((await post("/api/auth/login", { username: u.user.username, password: "nope-nope" })).statusCode);
  }
  assert.deepEqual(codes.slice(0, 5), [401, 401, 401, 401, 401]);
  assert.deepEqual(codes.slice(5), [429, 429]);
  const limited = await post("/api/auth/login", { username: u.user.username, password: PASSWORD });
  assert.equal(limited.statusCode, 429);
  assert.equal(limited.json().error.code, "rate_limited");
});

test("me and people search", async () => {
  const a = await register(h, "searcher.one");
  await register(h, "zed.alpha");
  await register(h, "zed.beta");
  const me = await api<{ user: User }>(h, a, "GET", "/api/me");
  assert.equal(me.body.user.id, a.user.id);
  const found = await api<{ users: User[] }>(h, a, "GET", "/api/users?q=zed");
  assert.deepEqual(
    found.body.users.map((u) => u.username),
    ["zed.alpha", "zed.beta"],
  );
  // By display name (register() uses the upper-cased username), and LIKE wildcards are literal.
  const byName = await api<{ users: User[] }>(h, a, "GET", "/api/users?q=ZED.B");
  assert.deepEqual(
    byName.body.users.map((u) => u.username),
    ["zed.beta"],
  );
  const wildcard = await api<{ users: User[] }>(h, a, "GET", "/api/users?q=%25");
  assert.deepEqual(wildcard.body.users, []);
  assert.equal((await api(h, null, "GET", "/api/users?q=zed")).status, 401);
});

test("health, readiness and metrics", async () => {
  assert.equal((await h.app.inject({ url: "/healthz" })).statusCode, 200);
  assert.equal((await h.app.inject({ url: "/readyz" })).statusCode, 200);
  const metrics = await h.app.inject({ url: "/metrics" });
  assert.equal(metrics.statusCode, 200);
  for (const name of [
    "chat_connected_sockets",
    "chat_messages_sent_total",
    "chat_send_ack_seconds",
    "chat_fanout_seconds",
    "chat_send_batch_size",
    "chat_receipt_batch_size",
    "chat_calls_total",
  ]) {
    assert.match(metrics.body, new RegExp(name));
  }
});

test("production refuses development secrets", () => {
  assert.throws(() => loadConfig({ NODE_ENV: "production" }), /JWT_SECRET/);
  // Short or placeholder secrets are refused too (scripts/test/production-secrets.test.ts); these are real.
  const [s1, s2, s3] = ["jwt", "turn", "jitsi"].map((k) => createHash("sha256").update(k).digest("hex"));
  assert.throws(() => loadConfig({ NODE_ENV: "production", JWT_SECRET: s1 }), /TURN_SECRET.*JITSI_APP_SECRET/);
  const ok = loadConfig({ NODE_ENV: "production", JWT_SECRET: s1, TURN_SECRET: s2, JITSI_APP_SECRET: s3 });
  assert.equal(ok.PORT, 4000);
  assert.equal(loadConfig({}).HOST, "0.0.0.0");
});
