import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, test } from "node:test";
import { MESSAGE_BODY_MAX, type Message } from "@messenger/protocol";
import { api, emitAck, groupOf, type Harness, register, send, socketFor, startHarness } from "./helpers.js";

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h.close();
});

test("a body over the limit is refused with too_long and nothing is stored or cut; the limit itself is fine", async () => {
  const u = await register(h);
  const conv = await groupOf(h, u, []);
  const s = await socketFor(h, u.accessToken);
  const long = "x".repeat(5000);
  const refused = await emitAck(s, "message:send", { conversationId: conv, clientId: randomUUID(), body: long });
  assert.equal(refused.ok ? "sent" : refused.error.code, "too_long");
  if (!refused.ok) assert.match(refused.error.message, new RegExp(String(MESSAGE_BODY_MAX)));
  const page = await api<{ messages: Message[] }>(h, u, "GET", `/api/conversations/${conv}/messages`);
  assert.deepEqual(page.body.messages, [], "nothing stored, not even a shortened copy");

  const exact = await send(s, conv, "y".repeat(MESSAGE_BODY_MAX));
  assert.equal(exact.body.length, MESSAGE_BODY_MAX);

  const edit = await emitAck(s, "message:edit", { messageId: exact.id, body: long });
  assert.equal(edit.ok ? "edited" : edit.error.code, "too_long");
  const after = await api<{ messages: Message[] }>(h, u, "GET", `/api/conversations/${conv}/messages`);
  assert.equal(after.body.messages[0]?.body.length, MESSAGE_BODY_MAX, "the refused edit changed nothing");
});
