// Authors through the client core against the real chat-service: the messages of someone who left a
// group keep their name (the server names the authors of every page), and say they are a former member.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { authorOf } from "../src/ui/authors";
import { type CoreServer, sendAll, startCoreServer, until } from "./core-harness";

describe("authors in the client core", () => {
  let server: CoreServer;

  before(async () => {
    server = await startCoreServer();
  });
  after(async () => {
    await server?.stop();
  });

  test("a member who left keeps their name on their messages, marked as a former member", async () => {
    const [ada, ben, cyd] = await Promise.all([server.signIn("ada"), server.signIn("ben"), server.signIn("cyd")]);
    const group = await ada.client.createGroup("Launch", [ben.id]);
    await until(ben.client, () => !!ben.client.stores.conversations.byId(group.id), "ben has the group");
    await sendAll(ben.client, group.id, ["notes from Ben"]);
    await ben.client.leave(group.id);
    await ada.client.addMembers(group.id, [cyd.id]);
    await until(cyd.client, () => !!cyd.client.stores.conversations.byId(group.id), "cyd has the group");

    await cyd.client.open(group.id);
    const c = cyd.client.stores.conversations.byId(group.id)!;
    const note = cyd.client.stores.messages.timeline(group.id).messages.find((m) => m.body === "notes from Ben");
    assert.ok(note, "Cyd sees Ben's message");
    const author = authorOf(c, cyd.client.stores.users.get(), note.senderId);
    assert.equal(author.user?.displayName, "ben");
    assert.equal(author.former, true);
    assert.equal(authorOf(c, cyd.client.stores.users.get(), ada.id).former, false);
  });
});
