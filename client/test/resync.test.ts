// Events lost between servers (a Redis outage under several chat-service instances): the client
// catches up when the server hints, and by itself while idle, without anybody sending again.
// Two chat-services on one database without Redis stand for instances that lost touch.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type CoreServer, type SignedIn, startCoreServer, until } from "./core-harness";

describe("re-checking conversations after events may have been lost", () => {
  let server: CoreServer;
  let peer: CoreServer;

  before(async () => {
    server = await startCoreServer();
    peer = await server.peer();
  });

  after(async () => {
    await server?.stop();
  });

  /** `reader` on the server with the DM open; the sender's client on the peer, which the reader never hears from. */
  async function dmAcrossInstances(reader: string, sender: string, readerOptions = {}) {
    const s0 = await peer.signIn(sender);
    const r: SignedIn = await server.signIn(reader, undefined, true, readerOptions);
    const dm = await r.client.startDirect(s0.id);
    await r.client.open(dm.id);
    s0.client.stop();
    // Signed in after the DM exists; an empty DM is not in the list of the one who did not open it,
    // so the sender opens it too (the same conversation).
    const s = await peer.signIn(sender, undefined, false);
    assert.equal((await s.client.startDirect(r.id)).id, dm.id);
    await until(s.client, () => !!s.client.stores.conversations.byId(dm.id), `${sender} sees the DM`);
    return { r, s, dm };
  }

  const bodies = (who: SignedIn, cid: string) => who.client.stores.messages.timeline(cid).messages.map((m) => m.body);

  test("after a sync:hint the client fetches every message it missed, without another message being sent", async () => {
    const { r: ivy, s: jay, dm } = await dmAcrossInstances("ivy", "jay", { idleRecheckMs: 0 });
    const sent = ["lost 1", "lost 2", "lost 3"];
    for (const b of sent) jay.client.send(dm.id, b);
    await until(jay.client, () => jay.client.stores.messages.unacked().length === 0, "jay's sends acked");
    assert.deepEqual(bodies(ivy, dm.id), [], "ivy heard nothing live (the instances lost touch)");

    server.app.io.emit("sync:hint", { spreadMs: 0 });
    await until(ivy.client, () => bodies(ivy, dm.id).length === sent.length, "ivy caught up");
    assert.deepEqual(bodies(ivy, dm.id), sent);
    const conv = ivy.client.stores.conversations.byId(dm.id);
    assert.equal(conv?.lastSeq, 3);
    assert.equal(conv?.lastMessage?.body, "lost 3");
  });

  test("a connection that hears nothing re-checks by itself and finds what it missed", async () => {
    const { r: kim, s: lou, dm } = await dmAcrossInstances("kim", "lou", { idleRecheckMs: 300 });
    lou.client.send(dm.id, "nobody told kim");
    await until(lou.client, () => lou.client.stores.messages.unacked().length === 0, "lou's send acked");
    await until(kim.client, () => bodies(kim, dm.id).includes("nobody told kim"), "kim found it while idle");
    // She has it open: it counts as read, as a live message would.
    await until(kim.client, () => kim.client.stores.conversations.byId(dm.id)?.unreadCount === 0, "kim has read it");
  });
});
