// A person's own account: profile and status changes reach their contacts live; password changes,
// the device list and "log out everywhere" end the other sessions and close their sockets at once.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { MeResponse, SessionsResponse, User } from "@messenger/protocol";
import {
  api,
  directWith,
  disconnected,
  type Harness,
  nextEvent,
  PASSWORD,
  recorder,
  register,
  signInAgain,
  socketFor,
  startHarness,
  within,
} from "./helpers.js";

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h.close();
});

const login = (username: string, password: string) =>
  h.app.inject({ method: "POST", url: "/api/auth/login", payload: { username, password } });

test("a profile and status change reaches a contact live, and nobody who shares no conversation", async () => {
  const ann = await register(h);
  const bob = await register(h);
  const stranger = await register(h);
  await directWith(h, ann, bob);
  const bobEvents = recorder(await socketFor(h, bob.accessToken));
  const strangerEvents = recorder(await socketFor(h, stranger.accessToken));
  const annOther = recorder(await socketFor(h, ann.accessToken));

  const until = new Date(Date.now() + 3600_000).toISOString();
  const r = await api<MeResponse>(h, ann, "PATCH", "/api/me", {
    displayName: "Ann Smith",
    status: { emoji: "🌴", text: "On holiday", expiresAt: null },
    dndUntil: until,
    timeZone: "Europe/Madrid",
  });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.profile.dndUntil, until);

  const seen = await within(
    5000,
    "bob hears of ann's change",
    bobEvents.waitFor<User>("user:updated", (u) => u.id === ann.user.id),
  );
  assert.deepEqual(
    { name: seen.displayName, status: seen.status, dnd: seen.dnd, tz: seen.timeZone },
    { name: "Ann Smith", status: { emoji: "🌴", text: "On holiday", expiresAt: null }, dnd: true, tz: "Europe/Madrid" },
  );
  // Her other devices hear it too.
  await within(5000, "ann's other device hears it", annOther.waitFor("user:updated"));
  // Only the user sees until when DND lasts.
  assert.equal("dndUntil" in seen, false);

  // Clearing: status null, DND off.
  const next = nextEvent<User>(bobEvents, "user:updated", (u) => u.id === ann.user.id);
  await api(h, ann, "PATCH", "/api/me", { status: null, dndUntil: null });
  const cleared = await within(5000, "bob hears the status cleared", next);
  assert.equal(cleared.status, null);
  assert.equal(cleared.dnd, false);
  assert.equal(cleared.displayName, "Ann Smith");
  assert.deepEqual(strangerEvents.of("user:updated"), []);
});

test("an expired status is not shown; bad profile input is refused and changes nothing", async () => {
  const ann = await register(h);
  await api(h, ann, "PATCH", "/api/me", {
    status: { emoji: "🤒", text: "Off sick", expiresAt: new Date(Date.now() - 1000).toISOString() },
  });
  const me = await api<MeResponse>(h, ann, "GET", "/api/me");
  assert.equal(me.body.user.status, null);
  for (const body of [
    { timeZone: "Mars/Olympus" },
    { displayName: "" },
    { status: { emoji: "not an emoji", text: "x" } },
    { dndUntil: "tomorrow" },
  ]) {
    const r = await api<{ error: { code: string } }>(h, ann, "PATCH", "/api/me", body);
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.equal(r.body.error.code, "bad_request");
  }
  assert.equal((await api<MeResponse>(h, ann, "GET", "/api/me")).body.user.displayName, ann.user.displayName);
});

test("a password change ends the other device's session and socket; this device stays signed in", async () => {
  const laptop = await register(h);
  const phone = await signInAgain(h, laptop);
  const sPhone = await socketFor(h, phone.accessToken);
  const sLaptop = await socketFor(h, laptop.accessToken);
  const phoneClosed = disconnected(sPhone);

  const wrong = await api<{ error: { code: string } }>(h, laptop, "POST", "/api/me/password", {
    current: "not my password",
    next: "a brand new long passphrase",
  });
  assert.equal(wrong.status, 400);
  assert.equal(wrong.body.error.code, "invalid_credentials");
  const weak = await api<{ error: { code: string } }>(h, laptop, "POST", "/api/me/password", {
    current: PASSWORD,
    next: "password123",
  });
  assert.equal(weak.body.error.code, "weak_password");
  assert.equal(sPhone.connected, true);

  const next = "a brand new long passphrase";
  assert.equal((await api(h, laptop, "POST", "/api/me/password", { current: PASSWORD, next })).status, 204);
  assert.equal(await within(5000, "the phone's socket closes", phoneClosed), "io server disconnect");
  assert.equal(sLaptop.connected, true);
  assert.equal((await api(h, laptop, "GET", "/api/me")).status, 200);
  assert.equal((await api(h, phone, "GET", "/api/me")).status, 401);
  const refresh = await h.app.inject({
    method: "POST",
    url: "/api/auth/refresh",
    payload: { refreshToken: phone.refreshToken },
  });
  assert.equal(refresh.statusCode, 401);
  assert.equal((await login(laptop.user.username, PASSWORD)).statusCode, 401);
  assert.equal((await login(laptop.user.username, next)).statusCode, 200);
});

test("the device list shows each sign-in; ending one closes its socket; someone else's is 404", async () => {
  const laptop = await register(h);
  const phone = await signInAgain(h, laptop);
  const other = await register(h);
  const sPhone = await socketFor(h, phone.accessToken);
  const list = await api<SessionsResponse>(h, laptop, "GET", "/api/me/sessions");
  assert.equal(list.body.sessions.length, 2);
  assert.equal(list.body.sessions.filter((s) => s.current).length, 1);
  assert.equal(list.body.sessions[0]?.ip, "127.0.0.1");
  const phoneSession = list.body.sessions.find((s) => !s.current)!;

  const theirs = (await api<SessionsResponse>(h, other, "GET", "/api/me/sessions")).body.sessions[0]!;
  assert.equal((await api(h, laptop, "DELETE", `/api/me/sessions/${theirs.id}`)).status, 404);
  assert.equal((await api(h, other, "GET", "/api/me")).status, 200);

  const closed = disconnected(sPhone);
  assert.equal((await api(h, laptop, "DELETE", `/api/me/sessions/${phoneSession.id}`)).status, 204);
  assert.equal(await within(5000, "the phone's socket closes", closed), "io server disconnect");
  assert.equal((await api<SessionsResponse>(h, laptop, "GET", "/api/me/sessions")).body.sessions.length, 1);
});

test("log out everywhere ends every session, this one too", async () => {
  const laptop = await register(h);
  const phone = await signInAgain(h, laptop);
  const closed = [
    disconnected(await socketFor(h, laptop.accessToken)),
    disconnected(await socketFor(h, phone.accessToken)),
  ];
  assert.equal((await api(h, laptop, "POST", "/api/auth/logout-all")).status, 204);
  assert.deepEqual(await within(5000, "both sockets close", Promise.all(closed)), [
    "io server disconnect",
    "io server disconnect",
  ]);
  assert.equal((await api(h, laptop, "GET", "/api/me")).status, 401);
  assert.equal((await api(h, phone, "GET", "/api/me")).status, 401);
});

test("an avatar changed by media-service (its NOTIFY) reaches a contact live with the new URL", async () => {
  const ann = await register(h);
  const bob = await register(h);
  await directWith(h, ann, bob);
  await h.app.attachmentListener.listening();
  const bobEvents = recorder(await socketFor(h, bob.accessToken));
  // What media-service's avatar upload does, in one transaction.
  await h.app.deps.db.query(
    "WITH u AS (UPDATE users SET avatar_key = $2 WHERE id = $1) SELECT pg_notify('user_updated', $1::text)",
    [ann.user.id, `avatars/${ann.user.id}/v2.webp`],
  );
  const seen = await within(
    5000,
    "bob hears of ann's avatar",
    bobEvents.waitFor<User>("user:updated", (u) => u.id === ann.user.id),
  );
  assert.equal(seen.avatarUrl, `/api/media/avatars/${ann.user.id}?v=v2.webp`);
});
