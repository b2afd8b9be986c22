// Pins and saved items against a real chat-service, PostgreSQL and socket.io clients: a pin is shared
// (every member hears it live, the pins list has it), saving is private, nobody outside sees either.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Message, PinsResponse, SavedResponse } from "@messenger/protocol";
import {
  api,
  directWith,
  groupOf,
  type Harness,
  recorder,
  register,
  send,
  socketFor,
  startHarness,
} from "./helpers.js";

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h.close();
});

describe("pins", () => {
  test("a member pins a message: every member hears it live and the pins list has it, latest first", async () => {
    const [ana, ben, cyd, eve] = await Promise.all([register(h), register(h), register(h), register(h)]);
    const conv = await groupOf(h, ana, [ben, cyd]);
    const [a, c] = await Promise.all([ana, cyd].map((u) => socketFor(h, u.accessToken)));
    const [ra, rc] = [recorder(a!), recorder(c!)];
    const rules = await send(a!, conv, "House rules: be kind");
    const wifi = await send(a!, conv, "Wi-Fi password is on the fridge");

    const pinned = await api<{ message: Message }>(h, ben, "PUT", `/api/messages/${rules.id}/pin`);
    assert.equal(pinned.status, 200);
    assert.equal(pinned.body.message.pinnedBy, ben.user.id, "a member (not only an admin) may pin");
    assert.ok(pinned.body.message.pinnedAt);
    for (const r of [ra, rc]) {
      const live = await r.waitFor<Message>("message:updated", (m) => m.id === rules.id && !!m.pinnedAt);
      assert.equal(live.pinnedBy, ben.user.id);
    }
    await api(h, cyd, "PUT", `/api/messages/${wifi.id}/pin`);
    const again = await api<{ message: Message }>(h, ana, "PUT", `/api/messages/${rules.id}/pin`);
    assert.equal(again.body.message.pinnedBy, ben.user.id, "pinning twice changes nothing");

    const list = await api<PinsResponse>(h, cyd, "GET", `/api/conversations/${conv}/pins`);
    assert.deepEqual(
      list.body.messages.map((m) => m.body),
      ["Wi-Fi password is on the fridge", "House rules: be kind"],
    );

    const unpinned = await api<{ message: Message }>(h, ana, "DELETE", `/api/messages/${rules.id}/pin`);
    assert.equal(unpinned.body.message.pinnedAt, null);
    await rc.waitFor<Message>("message:updated", (m) => m.id === rules.id && m.pinnedAt === null);
    assert.deepEqual(
      (await api<PinsResponse>(h, ben, "GET", `/api/conversations/${conv}/pins`)).body.messages.map((m) => m.id),
      [wifi.id],
    );

    // Outside the conversation: 404 for the message and for the list, and no event.
    const e = await socketFor(h, eve.accessToken);
    const re = recorder(e);
    assert.equal((await api(h, eve, "PUT", `/api/messages/${wifi.id}/pin`)).status, 404);
    assert.equal((await api(h, eve, "DELETE", `/api/messages/${wifi.id}/pin`)).status, 404);
    assert.equal((await api(h, eve, "GET", `/api/conversations/${conv}/pins`)).status, 404);
    await api(h, ana, "PUT", `/api/messages/${rules.id}/pin`);
    await rc.waitFor<Message>("message:updated", (m) => m.id === rules.id && !!m.pinnedAt);
    assert.equal(re.of("message:updated").length, 0, "a non-member hears nothing");
  });

  test("with PINS_ADMINS_ONLY a group member may not pin, an admin may, and a direct conversation still can", async () => {
    const strict = await startHarness({ PINS_ADMINS_ONLY: "true" });
    try {
      const [ana, ben] = await Promise.all([register(strict), register(strict)]);
      const conv = await groupOf(strict, ana, [ben]);
      const a = await socketFor(strict, ana.accessToken);
      const m = await send(a, conv, "Agenda");
      const refused = await api<{ error: { code: string } }>(strict, ben, "PUT", `/api/messages/${m.id}/pin`);
      assert.equal(refused.status, 403);
      assert.equal(refused.body.error.code, "forbidden");
      assert.equal((await api(strict, ana, "PUT", `/api/messages/${m.id}/pin`)).status, 200);
      const dm = await directWith(strict, ben, ana);
      const b = await socketFor(strict, ben.accessToken);
      const d = await send(b, dm, "just us");
      assert.equal((await api(strict, ben, "PUT", `/api/messages/${d.id}/pin`)).status, 200);
    } finally {
      await strict.close();
    }
  });
});

describe("saved items", () => {
  test("saving is private: only I see my saved items, latest first, and nobody hears of it", async () => {
    const [ana, ben, eve] = await Promise.all([register(h), register(h), register(h)]);
    const conv = await groupOf(h, ana, [ben]);
    const [a, b] = await Promise.all([socketFor(h, ana.accessToken), socketFor(h, ben.accessToken)]);
    const rb = recorder(b);
    const one = await send(a, conv, "Expense form link");
    const two = await send(a, conv, "Holiday calendar");
    await rb.waitFor<Message>("message:new", (m) => m.id === two.id);

    assert.equal((await api(h, ana, "PUT", `/api/messages/${one.id}/save`)).status, 200);
    assert.equal((await api(h, ana, "PUT", `/api/messages/${two.id}/save`)).status, 200);
    assert.equal((await api(h, ana, "PUT", `/api/messages/${two.id}/save`)).status, 200, "saving twice is harmless");
    const mine = await api<SavedResponse>(h, ana, "GET", "/api/saved");
    assert.deepEqual(
      mine.body.items.map((i) => i.message.body),
      ["Holiday calendar", "Expense form link"],
    );
    assert.deepEqual((await api<SavedResponse>(h, ben, "GET", "/api/saved")).body.items, [], "Ben saved nothing");
    assert.equal(rb.of("message:updated").length, 0, "saving tells no one");

    await api(h, ana, "DELETE", `/api/messages/${two.id}/save`);
    assert.deepEqual(
      (await api<SavedResponse>(h, ana, "GET", "/api/saved")).body.items.map((i) => i.message.id),
      [one.id],
    );
    assert.equal((await api(h, eve, "PUT", `/api/messages/${one.id}/save`)).status, 404, "outsiders cannot save it");

    // Removed from the conversation: its messages leave my saved items.
    await api(h, ana, "DELETE", `/api/conversations/${conv}/members/${ben.user.id}`);
    await api(h, ben, "PUT", `/api/messages/${one.id}/save`);
    assert.deepEqual((await api<SavedResponse>(h, ben, "GET", "/api/saved")).body.items, []);
  });
});
