// The chat client core (no React, no browser) against a real chat-service: the guarantees the UI
// relies on — every message once and in order after a long disconnect, unsent messages re-sent
// with the same clientId, unread counts that survive a restart of the client.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { eventually } from "@messenger/common/testing";
import { type CoreServer, startCoreServer, until } from "./core-harness";

describe("chat client core against the real chat-service", () => {
  let server: CoreServer;
  const signIn = (...args: Parameters<CoreServer["signIn"]>) => server.signIn(...args);

  before(async () => {
    server = await startCoreServer();
  });

  after(async () => {
    await server?.stop();
  });

  test("after a long disconnect every missed message appears once, in order; offline sends go out once", async () => {
    const ana = await signIn("ana");
    const ben = await signIn("ben");
    const dm = await ben.client.startDirect(ana.auth.user()!.id);
    // A DM reaches the other person with its first message.
    ben.client.send(dm.id, "before");
    await until(ana.client, () => !!ana.client.stores.conversations.byId(dm.id), "ana sees the DM");
    await ana.client.open(dm.id);
    await until(ana.client, () => ana.client.stores.messages.timeline(dm.id).messages.length === 1, "first message");

    ana.client.networkChanged(false);
    assert.equal(ana.client.stores.connection.get(), "offline");
    const offlineId = ana.client.send(dm.id, "written while offline")!;
    assert.equal(ana.client.stores.messages.timeline(dm.id).pending[0]?.status, "pending");

    // 150 messages: more than one catch-up page (100).
    for (let i = 1; i <= 150; i++) ben.client.send(dm.id, `missed ${i}`);
    await until(ben.client, () => ben.client.stores.messages.unacked().length === 0, "ben's sends acked", 60_000);

    ana.client.networkChanged(true);
    await until(
      ana.client,
      () => {
        const tl = ana.client.stores.messages.timeline(dm.id);
        return tl.pending.length === 0 && tl.messages.length === 152;
      },
      "ana caught up",
      60_000,
    );
    const tl = ana.client.stores.messages.timeline(dm.id);
    const seqs = tl.messages.map((m) => m.seq);
    assert.deepEqual(
      seqs,
      Array.from({ length: 152 }, (_, i) => i + 1),
      "gap-free, no duplicates, ordered",
    );
    const missed = tl.messages.filter((m) => m.body.startsWith("missed ")).map((m) => m.body);
    assert.deepEqual(
      missed,
      Array.from({ length: 150 }, (_, i) => `missed ${i + 1}`),
    );
    const mine = tl.messages.filter((m) => m.clientId === offlineId);
    assert.equal(mine.length, 1, "the offline message was sent exactly once, with its clientId");
    await until(
      ben.client,
      () => ben.client.stores.conversations.byId(dm.id)?.lastMessage?.clientId === offlineId,
      "ben gets it",
    );

    // Ana's second device: opening the chat loads the newest page, scrolling up the older ones.
    const tablet = await signIn("ana", undefined, false);
    await tablet.client.open(dm.id);
    let btl = tablet.client.stores.messages.timeline(dm.id);
    assert.equal(btl.messages.length, 50);
    assert.equal(btl.messages.at(-1)?.seq, 152);
    assert.equal(btl.hasMoreBefore, true);
    while (await tablet.client.loadOlder(dm.id)) {}
    btl = tablet.client.stores.messages.timeline(dm.id);
    assert.equal(btl.hasMoreBefore, false);
    assert.equal(btl.prepended, 102, "the virtual list is told how many rows were added above");
    assert.deepEqual(
      btl.messages.map((m) => m.seq),
      Array.from({ length: 152 }, (_, i) => i + 1),
    );
  });

  test("a refused send shows as failed with the reason; retry re-sends it with the same clientId", async () => {
    const cyd = await signIn("cyd");
    const dee = await signIn("dee");
    const dm = await cyd.client.startDirect(dee.auth.user()!.id);
    await cyd.client.open(dm.id);
    // An attachment id the server does not know: refused, as a stale upload would be.
    const bogus = {
      id: "00000000-0000-4000-8000-000000000099",
      conversationId: dm.id,
      kind: "image" as const,
      name: "gone.png",
      mime: "image/png",
      size: 1,
      status: "ready" as const,
      url: "/api/media/x",
    };
    const clientId = cyd.client.send(dm.id, "with a photo", { attachments: [bogus] })!;
    const pendingOf = () => cyd.client.stores.messages.timeline(dm.id).pending.find((p) => p.clientId === clientId);
    await until(cyd.client, () => pendingOf()?.status === "failed", "failed");
    assert.ok(pendingOf()?.error?.code, "the server's reason is kept for the UI");

    cyd.client.retry(dm.id, clientId);
    assert.equal(pendingOf()?.status, "pending");
    await until(cyd.client, () => pendingOf()?.status === "failed" && pendingOf()?.attempts === 2, "failed again");
    assert.equal(pendingOf()?.clientId, clientId);

    // Later messages are not held up behind a failed one.
    cyd.client.send(dm.id, "plain text goes through");
    await until(cyd.client, () => cyd.client.stores.messages.timeline(dm.id).messages.length === 1, "next one sent");
    cyd.client.discard(dm.id, clientId);
    assert.equal(pendingOf(), undefined);
  });

  test("unread counts come back right when the client starts again", async () => {
    const eve = await signIn("eve");
    const fay = await signIn("fay");
    const dm = await fay.client.startDirect(eve.auth.user()!.id);
    for (const body of ["one", "two", "three"]) fay.client.send(dm.id, body);
    await until(eve.client, () => eve.client.stores.conversations.byId(dm.id)?.unreadCount === 3, "eve has 3 unread");
    // A reload: a new client from the same stored session.
    eve.client.stop();
    const again = await signIn("eve", eve.storage, false);
    await until(
      again.client,
      () => again.client.stores.conversations.byId(dm.id)?.unreadCount === 3,
      "3 unread after restart",
    );
    assert.equal(again.client.stores.conversations.total(), 3);
    await again.client.open(dm.id);
    assert.equal(again.client.stores.conversations.byId(dm.id)?.unreadCount, 0);
    // Fay sees Eve's read position.
    await until(
      fay.client,
      () =>
        fay.client.stores.conversations.byId(dm.id)?.members.find((m) => m.user.id === again.auth.user()!.id)
          ?.lastReadSeq === 3,
      "fay sees eve read up to 3",
    );
  });
  test("a message written offline survives a reload and is sent once when back", async () => {
    const gus = await signIn("gus");
    const hal = await signIn("hal");
    const dm = await gus.client.startDirect(hal.auth.user()!.id);
    gus.client.networkChanged(false);
    const clientId = gus.client.send(dm.id, "typed in the lift")!;
    gus.client.stop(); // the tab is closed before the network comes back

    const again = await signIn("gus", gus.storage, false);
    await until(
      hal.client,
      () => hal.client.stores.conversations.byId(dm.id)?.lastMessage?.clientId === clientId,
      "hal gets the message",
    );
    await until(again.client, () => again.client.stores.messages.unacked().length === 0, "outbox empty");
    const page = await hal.auth.api<{ messages: { clientId: string }[] }>(`/api/conversations/${dm.id}/messages`);
    assert.equal(page.messages.filter((m) => m.clientId === clientId).length, 1);
    assert.equal(gus.storage.getItem(`messenger.outbox.${gus.auth.user()!.id}`), null);
  });
  test("a refused access token is refreshed silently, for REST calls and for the socket's reconnect", async () => {
    const ivy = await signIn("ivy");
    const firstRefresh = ivy.auth.session.get()!.refreshToken;
    const stale = "stale.access.token";
    // As if the access token had expired while the laptop slept.
    ivy.auth.session.set({ ...ivy.auth.session.get()!, accessToken: stale });
    const users = await ivy.client.searchUsers("");
    assert.ok(Array.isArray(users), "the REST call succeeded after a silent refresh");
    assert.notEqual(ivy.auth.accessToken(), stale);
    assert.notEqual(ivy.auth.session.get()!.refreshToken, firstRefresh, "refresh tokens rotate");

    ivy.auth.session.set({ ...ivy.auth.session.get()!, accessToken: stale });
    ivy.client.networkChanged(false);
    ivy.client.networkChanged(true);
    await until(ivy.client, () => ivy.client.stores.connection.get() === "connected", "socket back with a new token");
    assert.notEqual(ivy.auth.accessToken(), stale);
    assert.ok(ivy.auth.user(), "still signed in");
  });

  test("a refreshed access token reaches the open socket, so the server keeps it open past the old token's expiry", async () => {
    const cy = await signIn("cyrus");
    const expiryOfCy = () =>
      [...server.app.io.of("/").sockets.values()].find((s) => s.data.userId === cy.id)?.data.expiresAt ?? 0;
    const before = expiryOfCy();
    assert.ok(before > Date.now());
    // A token's expiry has one-second resolution: the refreshed one must be issued in a later second
    // (this waits for the clock, not for an event).
    await new Promise((r) => setTimeout(r, Math.max(0, before - 15 * 60_000 + 1000 - Date.now())));
    assert.equal(await cy.auth.refresh(), true);
    // The server's state changes on its own schedule: poll it, with a deadline.
    await eventually("the server holds the new expiry", () => expiryOfCy() > before);
    assert.equal(cy.client.stores.connection.get(), "connected");
  });
});
