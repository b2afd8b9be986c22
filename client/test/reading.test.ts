// Reading through the client core against the real chat-service: opening a conversation notes where its
// unread messages begin and loads the history from there; with a view that reports what it shows
// (the app), the read position — locally and on the server — follows what the user has seen, not
// everything at once on open; "Mark as read" reads to the end.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { myMember } from "../src/stores/conversations";
import { type CoreServer, sendAll, startCoreServer, until } from "./core-harness";

describe("reading in the client core", () => {
  let server: CoreServer;

  before(async () => {
    server = await startCoreServer();
  });
  after(async () => {
    await server?.stop();
  });

  const bodies = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `${prefix} ${i + 1}`);

  test("120 unread: opening starts at the first unread and reads only what is shown, as it is shown", async () => {
    const [ana, ben] = await Promise.all([server.signIn("ana"), server.signIn("ben", undefined, true)]);
    const dm = await ana.client.startDirect(ben.id);
    await sendAll(ana.client, dm.id, ["seen before"]);
    await until(ben.client, () => ben.client.stores.conversations.byId(dm.id)?.lastSeq === 1, "ben has the DM");
    // Without a view that says what it shows, opening reads to the end.
    await ben.client.open(dm.id);
    assert.equal(ben.client.stores.conversations.byId(dm.id)?.unreadCount, 0);
    await until(
      ana.client,
      () => myMember(ana.client.stores.conversations.byId(dm.id)!, ben.id)?.lastReadSeq === 1,
      "ben read the first",
    );
    ben.client.stop();
    await sendAll(ana.client, dm.id, bodies(120, "news"));

    // Ben comes back with a client that reads only what its view shows.
    const reader = await server.signIn("ben", undefined, false, { readWhatIsShown: true });
    const benClient = reader.client;
    const conv = () => benClient.stores.conversations.byId(dm.id)!;
    assert.equal(conv().unreadCount, 120);

    await benClient.open(dm.id);
    assert.deepEqual(benClient.stores.firstUnread.get(), { conversationId: dm.id, seq: 2, ready: true });
    const tl = benClient.stores.messages.timeline(dm.id);
    assert.equal(tl.messages[0]!.seq, 1, "a little context above the first unread");
    assert.ok(
      tl.messages.some((m) => m.body === "news 1"),
      "the first unread is loaded",
    );
    assert.equal(tl.hasMoreAfter, true, "a window from there, not the newest page");
    assert.equal(conv().unreadCount, 120, "opening alone reads nothing");
    assert.equal(myMember(conv(), reader.id)?.lastReadSeq, 1);

    // The list shows the first 20 new ones: read up to there, here and on the server (Ana sees it).
    benClient.shown(dm.id, { seq: 21, atEnd: false });
    assert.equal(conv().unreadCount, 100);
    await until(
      ana.client,
      () => myMember(ana.client.stores.conversations.byId(dm.id)!, reader.id)?.lastReadSeq === 21,
      "the server has Ben's position at 21",
    );
    // Scrolling back up never moves it back.
    benClient.shown(dm.id, { seq: 10, atEnd: false });
    assert.equal(myMember(conv(), reader.id)?.lastReadSeq, 21);

    // A message arriving while Ben is not at the newest stays unread.
    await sendAll(ana.client, dm.id, ["while scrolled up"]);
    await until(benClient, () => conv().lastSeq === 122, "the live message");
    assert.equal(conv().unreadCount, 101);

    // "Mark as read": all of it.
    benClient.markRead(dm.id);
    assert.equal(conv().unreadCount, 0);
    await until(
      ana.client,
      () => myMember(ana.client.stores.conversations.byId(dm.id)!, reader.id)?.lastReadSeq === 122,
      "the server has Ben's position at the end",
    );
  });

  test("at the newest messages, what arrives is read at once; a few unread open on the newest page", async () => {
    const [cyd, dee] = await Promise.all([
      server.signIn("cyd"),
      server.signIn("dee", undefined, true, { readWhatIsShown: true }),
    ]);
    const dm = await cyd.client.startDirect(dee.id);
    await sendAll(cyd.client, dm.id, bodies(8, "hello"));
    const conv = () => dee.client.stores.conversations.byId(dm.id)!;
    await until(dee.client, () => conv()?.unreadCount === 8, "8 unread");

    await dee.client.open(dm.id);
    assert.deepEqual(dee.client.stores.firstUnread.get(), { conversationId: dm.id, seq: 1, ready: true });
    assert.equal(dee.client.stores.messages.timeline(dm.id).hasMoreAfter, false, "the newest page holds them");
    // All of them fit on the screen: the list is at the end.
    dee.client.shown(dm.id, { seq: 8, atEnd: true });
    assert.equal(conv().unreadCount, 0);

    await sendAll(cyd.client, dm.id, ["one more"]);
    await until(dee.client, () => conv().lastSeq === 9, "the live message");
    assert.equal(conv().unreadCount, 0, "read as it arrives");
    assert.equal(myMember(conv(), dee.id)?.lastReadSeq, 9);
  });
});
