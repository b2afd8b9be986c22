// People's profiles in the client core against the real chat-service: a contact's name and status
// change in every conversation that shows them, live, and my own change reaches my other device.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { type CoreServer, memoryStorage, startCoreServer, until } from "./core-harness";

let server: CoreServer;
before(async () => {
  server = await startCoreServer();
});
after(async () => {
  await server?.stop();
});

test("a contact's new name and status show in my conversations live; my other device shows my change", async () => {
  const [ada, ben] = await Promise.all([server.signIn("ada"), server.signIn("ben")]);
  const group = await ada.client.createGroup("Launch", [ben.id]);
  await until(ben.client, () => !!ben.client.stores.conversations.byId(group.id), "ben has the group");
  const adaPhone = await server.signIn("ada", memoryStorage(), false);

  await ada.client.account.updateMe({ displayName: "Ada L.", status: { emoji: "🚀", text: "Launching" } });
  // This device knows at once.
  assert.equal(ada.auth.user()?.displayName, "Ada L.");
  const adaIn = (c = ben.client.stores.conversations.byId(group.id)) =>
    c?.members.find((m) => m.user.id === ada.id)?.user;
  await until(ben.client, () => adaIn()?.displayName === "Ada L.", "ben sees ada's new name");
  assert.deepEqual(adaIn()?.status, { emoji: "🚀", text: "Launching", expiresAt: null });
  await until(adaPhone.client, () => adaPhone.auth.user()?.displayName === "Ada L.", "ada's phone shows it");
});
