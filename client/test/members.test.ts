// Group membership through the client core against the real chat-service: who may add, remove and
// leave, and what every member's client shows live — the new member gets the conversation, a removed
// or leaving member loses it (the server no longer lets them read it), the others see the new list.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { RequestError } from "../src/core/errors";
import { type CoreServer, startCoreServer, until } from "./core-harness";

describe("group members in the client core", () => {
  let server: CoreServer;

  before(async () => {
    server = await startCoreServer();
  });
  after(async () => {
    await server?.stop();
  });

  const memberIds = (c: { members: { user: { id: string } }[] } | undefined) =>
    (c?.members ?? []).map((m) => m.user.id).sort();

  test("an admin adds someone: it appears for them live with its messages, and everyone sees the new list", async () => {
    const [ada, ben, cyd] = await Promise.all([server.signIn("ada"), server.signIn("ben"), server.signIn("cyd")]);
    const group = await ada.client.createGroup("Launch", [ben.id]);
    await until(ben.client, () => !!ben.client.stores.conversations.byId(group.id), "ben has the group");
    assert.equal(cyd.client.stores.conversations.byId(group.id), undefined);

    const updated = await ada.client.addMembers(group.id, [cyd.id]);
    const everyone = [ada.id, ben.id, cyd.id].sort();
    assert.deepEqual(memberIds(updated), everyone);
    assert.deepEqual(memberIds(ada.client.stores.conversations.byId(group.id)), everyone);
    await until(cyd.client, () => !!cyd.client.stores.conversations.byId(group.id), "cyd gets the group live");
    await until(
      ben.client,
      () => memberIds(ben.client.stores.conversations.byId(group.id)).length === 3,
      "ben sees cyd joined",
    );
    ada.client.send(group.id, "Welcome, Cyd!");
    await until(
      cyd.client,
      () => cyd.client.stores.conversations.byId(group.id)?.lastMessage?.body === "Welcome, Cyd!",
      "cyd receives the group's messages live",
    );
    await cyd.client.open(group.id);
    assert.equal(cyd.client.stores.messages.timeline(group.id).messages.at(-1)?.body, "Welcome, Cyd!");
  });

  test("an admin removes someone: the group disappears for them even while open; the others see them gone", async () => {
    const [dee, eli, fox] = await Promise.all([server.signIn("dee"), server.signIn("eli"), server.signIn("fox")]);
    const group = await dee.client.createGroup("Roadmap", [eli.id, fox.id]);
    await until(fox.client, () => !!fox.client.stores.conversations.byId(group.id), "fox has the group");
    await fox.client.open(group.id);

    await dee.client.removeMember(group.id, fox.id);
    assert.deepEqual(memberIds(dee.client.stores.conversations.byId(group.id)), [dee.id, eli.id].sort());
    await until(fox.client, () => !fox.client.stores.conversations.byId(group.id), "the group is gone for fox");
    assert.equal(fox.client.stores.active.get(), null, "fox's open chat is closed");
    assert.equal(fox.client.stores.messages.get()[group.id], undefined, "and its messages dropped");
    assert.deepEqual(fox.client.stores.membershipNotice.get(), {
      conversationId: group.id,
      title: "Roadmap",
      reason: "removed",
    });
    await until(
      eli.client,
      () => !memberIds(eli.client.stores.conversations.byId(group.id)).includes(fox.id),
      "eli sees fox gone",
    );

    dee.client.send(group.id, "after fox left");
    await until(
      eli.client,
      () => eli.client.stores.conversations.byId(group.id)?.lastMessage?.body === "after fox left",
      "eli gets the next message",
    );
    assert.equal(fox.client.stores.conversations.byId(group.id), undefined, "fox does not get it back");
    await assert.rejects(
      fox.client.searchMessages("fox", group.id),
      (e: unknown) => e instanceof RequestError && e.code === "not_found",
    );
  });

  test("a member leaves: gone for them; the last admin leaving hands admin to the longest member", async () => {
    const [gil, hui, ian] = await Promise.all([server.signIn("gil"), server.signIn("hui"), server.signIn("ian")]);
    const group = await gil.client.createGroup("Ops", [hui.id]);
    await gil.client.addMembers(group.id, [ian.id]);
    await until(ian.client, () => !!ian.client.stores.conversations.byId(group.id), "ian has the group");

    await ian.client.open(group.id);
    await ian.client.leave(group.id);
    assert.equal(ian.client.stores.conversations.byId(group.id), undefined, "gone at once for the one who left");
    assert.equal(ian.client.stores.active.get(), null);
    assert.equal(ian.client.stores.membershipNotice.get()?.reason, "left");
    await until(
      gil.client,
      () => memberIds(gil.client.stores.conversations.byId(group.id)).length === 2,
      "gil sees ian left",
    );

    await gil.client.leave(group.id);
    await until(
      hui.client,
      () => {
        const c = hui.client.stores.conversations.byId(group.id);
        return c?.members.length === 1 && c.members[0]?.role === "admin";
      },
      "hui is the admin now",
    );
  });

  test("what the server refuses reaches the caller as an error with its reason", async () => {
    const [joe, kai, lua] = await Promise.all([server.signIn("joe"), server.signIn("kai"), server.signIn("lua")]);
    const group = await joe.client.createGroup("Design", [kai.id, lua.id]);
    await until(kai.client, () => !!kai.client.stores.conversations.byId(group.id), "kai has the group");

    const refused = (code: string) => (e: unknown) => {
      assert.ok(e instanceof RequestError, String(e));
      assert.equal(e.code, code);
      assert.ok(e.message, "with a message to show");
      return true;
    };
    await assert.rejects(kai.client.removeMember(group.id, lua.id), refused("forbidden"));
    await assert.rejects(kai.client.addMembers(group.id, [joe.id]), refused("forbidden"));
    assert.equal(kai.client.stores.conversations.byId(group.id)?.members.length, 3, "nothing changed");

    const dm = await joe.client.startDirect(kai.id);
    await assert.rejects(joe.client.leave(dm.id), refused("not_group"));
    assert.ok(joe.client.stores.conversations.byId(dm.id), "a refused leave keeps the conversation");
  });

  test("a list read before a removal does not bring the group back when it arrives after it", async () => {
    const [ada, ben] = await Promise.all([server.signIn("ama"), server.signIn("bob")]);
    const group = await ada.client.createGroup("Stale", [ben.id]);
    await until(ben.client, () => !!ben.client.stores.conversations.byId(group.id), "ben has the group");

    // Ben's next list is read by the server now (the group still in it) but reaches him only after
    // he has been removed, as on a slow network during a reconnect.
    const realFetch = globalThis.fetch;
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let listRead!: () => void;
    const read = new Promise<void>((resolve) => {
      listRead = resolve;
    });
    globalThis.fetch = async (input, init) => {
      const res = await realFetch(input, init);
      if (String(input).endsWith("/api/conversations") && (init?.method ?? "GET") === "GET") {
        globalThis.fetch = realFetch;
        const body = await res.text();
        listRead();
        await released;
        return new Response(body, { status: res.status, headers: res.headers });
      }
      return res;
    };
    try {
      ben.client.networkChanged(false);
      ben.client.networkChanged(true);
      await read;
      await ada.client.removeMember(group.id, ben.id);
      await until(ben.client, () => !ben.client.stores.conversations.byId(group.id), "ben loses the group live");

      let applied = false;
      let reappeared = false;
      const off = ben.client.stores.conversations.subscribe(() => {
        applied = true;
        if (ben.client.stores.conversations.byId(group.id)) reappeared = true;
      });
      release();
      await until(ben.client, () => applied, "the late list is applied");
      off();
      assert.equal(reappeared, false, "the removed group never shows again");
      assert.equal(ben.client.stores.conversations.byId(group.id), undefined);
    } finally {
      globalThis.fetch = realFetch;
      release();
    }
  });
});
