// Message search through the client core against the real chat-service: results are the caller's
// own, newest first; choosing one far back loads the history around it (not every page in between),
// and the timeline stays whole: scrolling down reaches the newest message, live messages are not lost.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Message } from "@messenger/protocol";
import { RequestError } from "../src/core/errors";
import type { Timeline } from "../src/stores/messages";
import { type CoreServer, type SignedIn, sendAll as sendAllFrom, startCoreServer, until } from "./core-harness";

const sendAll = (who: SignedIn, cid: string, bodies: string[]) => sendAllFrom(who.client, cid, bodies);

const seqs = (tl: Timeline) => tl.messages.map((m) => m.seq);
const contiguous = (tl: Timeline) => seqs(tl).every((s, i, all) => i === 0 || s === all[i - 1]! + 1);

describe("message search in the client core", () => {
  let server: CoreServer;

  before(async () => {
    server = await startCoreServer();
  });
  after(async () => {
    await server?.stop();
  });

  test("results are the caller's messages, newest first, in one conversation when asked", async () => {
    const [ana, ben, cyd] = await Promise.all([server.signIn("ana"), server.signIn("ben"), server.signIn("cyd")]);
    const anaBen = await ben.client.startDirect(ana.id);
    const benCyd = await ben.client.startDirect(cyd.id);
    const anaCyd = await cyd.client.startDirect(ana.id);
    await sendAll(ben, anaBen.id, ["The quarterly budget draft is attached", "lunch?"]);
    await sendAll(ben, benCyd.id, ["budget secrets Ana must not see"]);
    await sendAll(cyd, anaCyd.id, ["Budget meeting moved to 3pm"]);

    const all = await ana.client.searchMessages("budget");
    assert.deepEqual(
      all.map((m) => m.body),
      ["Budget meeting moved to 3pm", "The quarterly budget draft is attached"],
      "newest first, and never from a conversation Ana is not in",
    );
    const inOne = await ana.client.searchMessages("budget", anaBen.id);
    assert.deepEqual(
      inOne.map((m) => m.body),
      ["The quarterly budget draft is attached"],
    );
    assert.deepEqual(await ana.client.searchMessages("nothing-like-this"), []);
    await assert.rejects(ana.client.searchMessages("budget", benCyd.id), (e: unknown) => {
      assert.ok(e instanceof RequestError);
      assert.equal(e.code, "not_found", "a conversation Ana is not in is not revealed");
      return true;
    });
  });

  test("a result far back loads the history around it; scrolling down reaches the newest, live messages included", async () => {
    const [dan, eve] = await Promise.all([server.signIn("dan"), server.signIn("eve")]);
    const dm = await eve.client.startDirect(dan.id);
    const bodies = Array.from({ length: 260 }, (_, i) => (i === 19 ? "the needle in the haystack" : `filler ${i + 1}`));
    await sendAll(eve, dm.id, bodies);
    await until(dan.client, () => dan.client.stores.conversations.byId(dm.id)?.lastSeq === 260, "dan has the DM");
    await dan.client.open(dm.id);
    const messages = dan.client.stores.messages;
    assert.equal(messages.timeline(dm.id).messages[0]?.seq, 211, "the latest page is shown");

    const [hit] = await dan.client.searchMessages("needle");
    assert.equal(hit?.seq, 20);
    assert.equal(await dan.client.showMessage(dm.id, hit!), true);
    let tl = messages.timeline(dm.id);
    assert.ok(seqs(tl).includes(20), "the result is loaded");
    assert.ok(tl.messages.length <= 60, "only the history around it, not the 190 messages in between");
    assert.ok(contiguous(tl));
    assert.equal(tl.hasMoreAfter, true, "the window stops before the newest message");
    assert.deepEqual(dan.client.stores.focus.get()?.messageId, hit!.id, "the list is told which message to show");

    // A message arriving now is counted for the conversation, but not appended after the window (a hole).
    await sendAll(eve, dm.id, ["live while Dan reads old history"]);
    await until(dan.client, () => dan.client.stores.conversations.byId(dm.id)?.lastSeq === 261, "dan hears of it");
    tl = messages.timeline(dm.id);
    assert.ok(contiguous(tl));
    assert.ok(!seqs(tl).includes(261));

    while (await dan.client.loadNewer(dm.id)) {}
    tl = messages.timeline(dm.id);
    assert.equal(tl.hasMoreAfter, false);
    assert.equal(tl.messages.at(-1)?.body, "live while Dan reads old history");
    assert.ok(contiguous(tl), "every message from the result to the newest, once, in order");

    await sendAll(eve, dm.id, ["and one more"]);
    await until(dan.client, () => messages.timeline(dm.id).messages.at(-1)?.seq === 262, "live messages append again");
  });

  test("sending while reading old history goes back to the newest messages", async () => {
    const [fay, gus] = await Promise.all([server.signIn("fay"), server.signIn("gus")]);
    const dm = await gus.client.startDirect(fay.id);
    await sendAll(gus, dm.id, ["an old pineapple remark", ...Array.from({ length: 120 }, (_, i) => `more ${i}`)]);
    await until(fay.client, () => fay.client.stores.conversations.byId(dm.id)?.lastSeq === 121, "fay has the DM");
    await fay.client.open(dm.id);
    const [hit] = await fay.client.searchMessages("pineapple");
    await fay.client.showMessage(dm.id, hit!);
    assert.equal(fay.client.stores.messages.timeline(dm.id).hasMoreAfter, true);

    const clientId = fay.client.send(dm.id, "replying now")!;
    await until(
      fay.client,
      () => fay.client.stores.messages.timeline(dm.id).messages.at(-1)?.clientId === clientId,
      "fay's message is shown at the end of the newest messages",
    );
    const tl = fay.client.stores.messages.timeline(dm.id);
    assert.equal(tl.hasMoreAfter, false);
    assert.equal(tl.pending.length, 0);
    assert.ok(contiguous(tl));
  });

  test("a result already loaded is shown in place; one just above the loaded page is paged in", async () => {
    const [hal, ivy] = await Promise.all([server.signIn("hal"), server.signIn("ivy")]);
    const dm = await ivy.client.startDirect(hal.id);
    await sendAll(ivy, dm.id, [
      ...Array.from({ length: 30 }, (_, i) => (i === 25 ? "the kiwi is just above" : `old ${i}`)),
      ...Array.from({ length: 50 }, (_, i) => (i === 40 ? "the mango is on screen" : `new ${i}`)),
    ]);
    await until(hal.client, () => hal.client.stores.conversations.byId(dm.id)?.lastSeq === 80, "hal has the DM");
    await hal.client.open(dm.id);
    const messages = hal.client.stores.messages;
    const epoch = messages.timeline(dm.id).epoch;

    const [mango] = await hal.client.searchMessages("mango");
    assert.equal(await hal.client.showMessage(dm.id, mango!), true);
    assert.equal(messages.timeline(dm.id).epoch, epoch, "nothing reloaded");
    assert.equal(hal.client.stores.focus.get()?.messageId, mango!.id);

    const [kiwi] = await hal.client.searchMessages("kiwi");
    assert.equal(await hal.client.showMessage(dm.id, kiwi!), true);
    const tl = messages.timeline(dm.id);
    assert.equal(tl.epoch, epoch, "the older page was added above, the list keeps its place");
    assert.equal(tl.hasMoreAfter, false);
    assert.ok(seqs(tl).includes(kiwi!.seq));
    assert.equal(tl.messages.at(-1)?.seq, 80);
    assert.ok(contiguous(tl));
  });

  test("a result in a conversation not opened yet: opening and showing it at once leave a whole timeline", async () => {
    const [jan, kim] = await Promise.all([server.signIn("jan"), server.signIn("kim")]);
    const dm = await kim.client.startDirect(jan.id);
    await sendAll(kim, dm.id, ["remember the walrus", ...Array.from({ length: 150 }, (_, i) => `pad ${i}`)]);
    await until(jan.client, () => jan.client.stores.conversations.byId(dm.id)?.lastSeq === 151, "jan has the DM");
    const [hit] = (await jan.client.searchMessages("walrus")) as [Message];
    // What choosing a result does: the hash opens the conversation while the result is being shown.
    await Promise.all([jan.client.open(dm.id), jan.client.showMessage(dm.id, hit)]);
    const tl = jan.client.stores.messages.timeline(dm.id);
    assert.ok(seqs(tl).includes(1));
    assert.ok(contiguous(tl));
    assert.equal(tl.hasMoreAfter, true);
    assert.equal(tl.hasMoreBefore, false, "nothing is older than the first message");
  });
});
