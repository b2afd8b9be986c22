// What an attacker with an account (or without one) tries: spoofed addresses, lockouts, floods, junk input.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { Writable } from "node:stream";
import { after, before, test } from "node:test";
import { loggerOptions } from "@messenger/common";
import { type Message, REACTIONS_PER_MESSAGE_MAX } from "@messenger/protocol";
import { buildApp } from "../src/app.js";
import {
  api,
  emitAck,
  groupOf,
  type Harness,
  PASSWORD,
  register as registerFrom,
  send,
  socketFor,
  startHarness,
} from "./helpers.js";

let h: Harness;
before(async () => {
  h = await startHarness({
    LOGIN_ATTEMPTS_PER_MINUTE: "3",
    LOGIN_FAILURES_BEFORE_BACKOFF: "9",
    LOGIN_ATTEMPTS_UNDER_ATTACK: "2",
    REGISTRATIONS_PER_HOUR: "2",
    GROUPS_PER_HOUR: "3",
    SOCKET_EVENTS_PER_SECOND: "20",
    // inject() connects from 127.0.0.1: the proxy; X-Forwarded-For then names the client.
    TRUSTED_PROXIES: "127.0.0.1",
  });
});
after(async () => {
  await h.close();
});

let seq = 0;
/** Each test user registers from an address of its own, so the registration limit stays out of the way. */
const register = (harness: Harness) => registerFrom(harness, undefined, { from: `100.64.${seq >> 8}.${++seq & 255}` });
/** A request as nginx passes it on: from the proxy, naming the client's address. */
const fromAddress = (address: string, url: string, payload: object) =>
  h.app.inject({ method: "POST", url, payload, headers: { "x-forwarded-for": address } });
/** A request straight from `remoteAddress`, which is no proxy of ours. */
const direct = (remoteAddress: string, url: string, payload: object, headers: Record<string, string> = {}) =>
  h.app.inject({ method: "POST", url, payload, headers, remoteAddress });

async function account(address = `198.51.100.${++seq}`) {
  const username = `victim${++seq}.${randomUUID().slice(0, 4)}`;
  const res = await fromAddress(address, "/api/auth/register", { username, password: PASSWORD });
  assert.equal(res.statusCode, 201, res.body);
  return username;
}

test("X-Forwarded-For from anyone but a trusted proxy is ignored: a fresh header per request does not escape the limit", async () => {
  const username = await account();
  const codes: number[] = [];
  for (let i = 0; i < 5; i++) {
    const res = await direct(
      "203.0.113.7",
      "/api/auth/login",
      { username, password: "wrong wrong wrong" },
      {
        "x-forwarded-for": `10.0.0.${i}`,
      },
    );
    codes.push(res.statusCode);
  }
  assert.deepEqual(codes, [401, 401, 401, 429, 429]);
});

test("nobody can lock the owner out: an attack from many addresses slows the attacker, the owner still signs in", async () => {
  const username = await account();
  // Three failures each from three addresses: the per-address walls hold, and the account is now under attack.
  for (const a of ["192.0.2.1", "192.0.2.2", "192.0.2.3"]) {
    for (let i = 0; i < 3; i++)
      assert.equal((await fromAddress(a, "/api/auth/login", { username, password: `guess-${i}` })).statusCode, 401);
    assert.equal((await fromAddress(a, "/api/auth/login", { username, password: "guess" })).statusCode, 429);
  }
  // A new attacker address gets only LOGIN_ATTEMPTS_UNDER_ATTACK tries for this account.
  const fresh = [];
  for (let i = 0; i < 3; i++)
    fresh.push((await fromAddress("192.0.2.99", "/api/auth/login", { username, password: `x${i}` })).statusCode);
  assert.deepEqual(fresh, [401, 401, 429]);
  // The owner, from their own address, with the right password: in.
  const owner = await fromAddress("198.51.100.200", "/api/auth/login", { username, password: PASSWORD });
  assert.equal(owner.statusCode, 200, owner.body);
  // The refusals are audited (a counter on /metrics; a warning in the log).
  const metrics = await h.app.inject({ url: "/metrics" });
  assert.match(metrics.body, /chat_login_lockouts_total\{limit="user-address"\} [1-9]/);
  assert.match(metrics.body, /chat_login_lockouts_total\{limit="under-attack"\} [1-9]/);
});

test("registration is limited per address, and a refused weak password does not count", async () => {
  const address = "198.51.100.77";
  const weak = await fromAddress(address, "/api/auth/register", {
    username: `w${randomUUID().slice(0, 6)}`,
    password: "password123",
  });
  assert.equal(weak.statusCode, 400);
  assert.equal(weak.json().error.code, "weak_password");
  await account(address);
  await account(address);
  const third = await fromAddress(address, "/api/auth/register", {
    username: `t${randomUUID().slice(0, 6)}`,
    password: PASSWORD,
  });
  assert.equal(third.statusCode, 429);
  assert.equal(third.json().error.code, "rate_limited");
  await account("198.51.100.78");
});

test("weak passwords are refused with weak_password and a reason; a passphrase is accepted", async () => {
  for (const password of ["12345678", "password", "        ", "password1234", "qwertyuiop", "aaaaaaaaaaaa"]) {
    const res = await fromAddress(`203.0.113.${++seq}`, "/api/auth/register", {
      username: `p${randomUUID().slice(0, 6)}`,
      password,
    });
    assert.equal(res.statusCode, 400, password);
    assert.ok(["weak_password", "bad_request"].includes(res.json().error.code), password);
  }
  const named = await fromAddress("203.0.113.250", "/api/auth/register", {
    username: "margaret.hamilton",
    password: "margaret.hamilton1",
  });
  assert.equal(named.json().error.code, "weak_password");
});

test("NUL bytes anywhere a person types are a 400 or an error ack, never a 500", async () => {
  const u = await register(h);
  const conv = await groupOf(h, u, []);
  const s = await socketFor(h, u.accessToken);
  const nul = "a\u0000b";
  const http = [
    await fromAddress("203.0.113.251", "/api/auth/register", {
      username: "nul.user",
      password: PASSWORD,
      displayName: nul,
    }),
    await fromAddress("203.0.113.251", "/api/auth/login", { username: nul, password: PASSWORD }),
    await h.app.inject({
      method: "POST",
      url: "/api/conversations",
      headers: u.auth,
      payload: { kind: "group", title: nul, memberIds: [] },
    }),
    await h.app.inject({ url: `/api/search?q=${encodeURIComponent(nul)}`, headers: u.auth }),
    await h.app.inject({ url: `/api/users?q=${encodeURIComponent(nul)}`, headers: u.auth }),
  ];
  assert.deepEqual(
    http.map((r) => [r.statusCode, r.json().error.code]),
    http.map(() => [400, "bad_request"]),
  );
  const m = await send(s, conv, "fine");
  for (const [event, payload] of [
    ["message:send", { conversationId: conv, clientId: randomUUID(), body: nul }],
    ["message:send", { conversationId: conv, clientId: nul, body: "x" }],
    ["message:edit", { messageId: m.id, body: nul }],
    ["message:react", { messageId: m.id, emoji: "\u0000", on: true }],
  ] as const) {
    const ack = await emitAck(s, event, payload);
    assert.equal(ack.ok, false);
    if (!ack.ok) assert.equal(ack.error.code, "bad_request", event);
  }
});

test("bidi controls and zero-width characters are removed from display names and titles", async () => {
  const res = await fromAddress("203.0.113.252", "/api/auth/register", {
    username: `spoof${randomUUID().slice(0, 4)}`,
    password: PASSWORD,
    displayName: "Eve\u202Egnp.exe\u200B",
  });
  assert.equal(res.statusCode, 201, res.body);
  assert.equal(res.json().user.displayName, "Evegnp.exe");
  const u = await register(h);
  const group = await api<{ conversation: { title: string } }>(h, u, "POST", "/api/conversations", {
    kind: "group",
    title: "\u2066Pay\u2069roll\uFEFF",
    memberIds: [],
  });
  assert.equal(group.body.conversation.title, "Payroll");
  const empty = await api(h, u, "POST", "/api/conversations", { kind: "group", title: "\u202E\u200B", memberIds: [] });
  assert.equal(empty.status, 400);
});

test("group creation is limited per user", async () => {
  const u = await register(h);
  const codes: number[] = [];
  for (let i = 0; i < 4; i++)
    codes.push(
      (await api(h, u, "POST", "/api/conversations", { kind: "group", title: `g${i}`, memberIds: [] })).status,
    );
  assert.deepEqual(codes, [201, 201, 201, 429]);
});

test("a message takes a bounded number of distinct reactions, and only real emoji", async () => {
  const u = await register(h);
  const other = await register(h);
  const conv = await groupOf(h, u, [other]);
  const s = await socketFor(h, u.accessToken);
  const m = await send(s, conv, "react to me");
  // Distinct emoji from the Unicode pictograph range, added straight to the table (quicker than 50 events).
  const emoji = Array.from({ length: REACTIONS_PER_MESSAGE_MAX }, (_, i) => String.fromCodePoint(0x1f600 + i));
  await h.app.deps.db.query(
    "INSERT INTO message_reactions (message_id, user_id, emoji) SELECT $1, $2, unnest($3::text[])",
    [m.id, u.user.id, emoji],
  );
  const so = await socketFor(h, other.accessToken);
  const more = await emitAck(so, "message:react", { messageId: m.id, emoji: "🦄", on: true });
  assert.equal(more.ok, false);
  if (!more.ok) assert.equal(more.error.code, "too_many");
  // Joining a reaction that is already there is fine.
  const join = await emitAck(so, "message:react", { messageId: m.id, emoji: emoji[0], on: true });
  assert.equal(join.ok, true);
  for (const junk of ["abc", "x".repeat(32), "👍👍", "👍 ", ":no_such_emoji:", ":tada::tada:", "tada", ":TADA:"]) {
    const ack = await emitAck(so, "message:react", { messageId: m.id, emoji: junk, on: true });
    assert.equal(ack.ok, false, junk);
  }
  for (const fine of ["👍🏽", "👨‍👩‍👧", "🇫🇷", "1️⃣", "❤️"]) {
    const ack = await emitAck(so, "message:react", { messageId: m.id, emoji: fine, on: false });
    assert.equal(ack.ok, true, fine);
  }
});

test("a known :shortcode: reacts with its emoji, and counts as that emoji", async () => {
  const u = await register(h);
  const other = await register(h);
  const conv = await groupOf(h, u, [other]);
  const s = await socketFor(h, u.accessToken);
  const so = await socketFor(h, other.accessToken);
  const m = await send(s, conv, "shipped!");
  const byName = await emitAck<{ message: Message }>(so, "message:react", {
    messageId: m.id,
    emoji: ":tada:",
    on: true,
  });
  assert.ok(byName.ok, JSON.stringify(byName));
  const byEmoji = await emitAck<{ message: Message }>(s, "message:react", { messageId: m.id, emoji: "🎉", on: true });
  assert.ok(byEmoji.ok);
  assert.deepEqual(byEmoji.message.reactions, [{ emoji: "🎉", userIds: [other.user.id, u.user.id] }]);
});

test("socket events beyond the per-user budget are refused with rate_limited; sending has its own budget", async () => {
  const u = await register(h);
  const conv = await groupOf(h, u, []);
  const s = await socketFor(h, u.accessToken);
  const acks = await Promise.all(
    Array.from({ length: 40 }, () => emitAck(s, "typing", { conversationId: conv, typing: true })),
  );
  const refused = acks.filter((a) => !a.ok && a.error.code === "rate_limited").length;
  assert.ok(refused >= 20, `refused ${refused} of 40`);
  await send(s, conv, "sending still works");
});

test("search terms never reach the request log", async () => {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const app = await buildApp(h.config, { logger: loggerOptions("info", stream) });
  try {
    const u = await register({ ...h, app } as Harness);
    await app.inject({ url: "/api/search?q=salary%20of%20bob", headers: u.auth });
    await app.inject({ url: "/api/users?q=secretname", headers: u.auth });
  } finally {
    await app.close();
  }
  const log = lines.join("");
  assert.match(log, /\/api\/search\?q=%5Bredacted%5D/);
  assert.doesNotMatch(log, /salary|secretname/);
});
