// The ticks a sender sees on their own messages, from the receipts the real chat-service sends
// (only to the senders a read or delivery reaches, no longer to every member).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { deliveryStatus, seenBy } from "../src/stores/conversations";
import { type CoreServer, type SignedIn, startCoreServer, until } from "./core-harness";

describe("delivered and seen ticks against the real chat-service", () => {
  let server: CoreServer;

  before(async () => {
    server = await startCoreServer();
  });

  after(async () => {
    await server?.stop();
  });

  const statusOf = (sender: SignedIn, cid: string, seq: number) => {
    const c = sender.client.stores.conversations.byId(cid);
    return c ? deliveryStatus(c, seq, sender.id) : "sent";
  };

  test("in a DM my message goes ✓ sent → ✓✓ delivered when it arrives → seen when it is read", async () => {
    const [ana, ben] = await Promise.all([server.signIn("ana"), server.signIn("ben")]);
    const dm = await ana.client.startDirect(ben.id);
    ana.client.send(dm.id, "hi Ben");
    await until(ana.client, () => statusOf(ana, dm.id, 1) === "delivered", "delivered once Ben's client has it");
    await ben.client.open(dm.id);
    await until(ana.client, () => statusOf(ana, dm.id, 1) === "seen", "seen once Ben opens the DM");
  });

  test("in a group of 5 my message is delivered when all four have it and seen when all four read it", async () => {
    const [cat, dan, eve, fay, gus] = await Promise.all([
      server.signIn("cat"),
      server.signIn("dan"),
      server.signIn("eve"),
      server.signIn("fay"),
      server.signIn("gus"),
    ]);
    const others = [dan, eve, fay, gus];
    const group = await cat.client.createGroup(
      "Ward 3",
      others.map((o) => o.id),
    );
    cat.client.send(group.id, "handover at 7");
    await until(cat.client, () => statusOf(cat, group.id, 1) === "delivered", "delivered to all four");

    for (const [i, o] of others.entries()) {
      await o.client.open(group.id);
      await until(
        cat.client,
        () => seenBy(cat.client.stores.conversations.byId(group.id)!, 1, cat.id).length === i + 1,
        `seen by ${i + 1}`,
      );
      assert.equal(statusOf(cat, group.id, 1), i === others.length - 1 ? "seen" : "delivered");
    }
  });
});
