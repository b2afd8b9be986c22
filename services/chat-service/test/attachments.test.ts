import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, test } from "node:test";
import { ATTACHMENT_UPDATED_CHANNEL } from "@messenger/common";
import type { Message } from "@messenger/protocol";
import { api, emitAck, groupOf, type Harness, recorder, register, socketFor, startHarness } from "./helpers.js";

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h.close();
});

/** What media-service writes after an upload (this test plays media-service). */
async function upload(conversationId: string, uploaderId: string, status = "processing", name = "cat.jpg") {
  const r = await h.app.deps.db.query<{ id: string }>(
    `INSERT INTO attachments (conversation_id, uploader_id, kind, name, mime, size, status, object_key)
     VALUES ($1, $2, 'image', $4, 'image/jpeg', 1234, $3, 'k') RETURNING id`,
    [conversationId, uploaderId, status, name],
  );
  return r.rows[0]!.id;
}

test("only my own unsent, non-failed uploads to this conversation can be attached", async () => {
  const [ann, ben] = await Promise.all([register(h), register(h)]);
  const conv = await groupOf(h, ann, [ben]);
  const other = await groupOf(h, ann, [ben], "Other");
  const sa = await socketFor(h, ann.accessToken);
  const sb = await socketFor(h, ben.accessToken);
  const rb = recorder(sb);

  const mine = await upload(conv, ann.user.id);
  const bens = await upload(conv, ben.user.id);
  const elsewhere = await upload(other, ann.user.id);
  const failed = await upload(conv, ann.user.id, "failed");
  for (const ids of [[bens], [elsewhere], [failed], [randomUUID()], [mine, bens]]) {
    const ack = await emitAck(sa, "message:send", {
      conversationId: conv,
      clientId: randomUUID(),
      body: "look",
      attachmentIds: ids,
    });
    assert.equal(ack.ok ? null : ack.error.code, "invalid_attachment");
  }
  const lastSeq = await h.app.deps.db.query("SELECT last_seq FROM conversations WHERE id = $1", [conv]);
  assert.equal(lastSeq.rows[0].last_seq, 0, "a refused send takes no sequence number");

  // An attachment alone (empty body) is a message.
  const ok = await emitAck<{ message: Message }>(sa, "message:send", {
    conversationId: conv,
    clientId: randomUUID(),
    body: "",
    attachmentIds: [mine],
  });
  assert.ok(ok.ok);
  assert.equal(ok.message.seq, 1);
  assert.deepEqual(
    ok.message.attachments.map((a) => [a.id, a.status, a.url]),
    [[mine, "processing", `/api/media/${mine}`]],
  );
  await rb.waitFor<Message>("message:new", (m) => m.id === ok.message.id && m.attachments.length === 1);

  // Already attached: cannot go on a second message.
  const again = await emitAck(sa, "message:send", {
    conversationId: conv,
    clientId: randomUUID(),
    body: "again",
    attachmentIds: [mine],
  });
  assert.equal(again.ok ? null : again.error.code, "invalid_attachment");

  // media-service finishes processing and NOTIFYs: members get message:updated with the new status.
  await h.app.deps.db.query(
    "UPDATE attachments SET status = 'ready', width = 640, height = 480, thumbnail_key = 't' WHERE id = $1",
    [mine],
  );
  await h.app.attachmentListener.listening();
  await h.app.deps.db.query("SELECT pg_notify($1, $2)", [ATTACHMENT_UPDATED_CHANNEL, mine]);
  const updated = await rb.waitFor<Message>(
    "message:updated",
    (m) => m.id === ok.message.id && m.attachments[0]?.status === "ready",
  );
  assert.equal(updated.attachments[0]?.width, 640);
  assert.equal(updated.attachments[0]?.thumbnailUrl, `/api/media/${mine}/thumbnail`);
});

test("attachments keep the order the sender chose: in the ack, the event, history and after processing", async () => {
  const [ann, ben] = await Promise.all([register(h), register(h)]);
  const conv = await groupOf(h, ann, [ben]);
  const sa = await socketFor(h, ann.accessToken);
  const rb = recorder(await socketFor(h, ben.accessToken));
  // Uploads finish in any order; the fourth file chosen finished first, and so on.
  const names = ["1-first.jpg", "2-second.jpg", "3-third.jpg", "4-fourth.jpg"];
  const byName = new Map<string, string>();
  for (const name of [...names].reverse()) byName.set(name, await upload(conv, ann.user.id, "processing", name));
  const ids = names.map((n) => byName.get(n)!);
  const sent = await emitAck<{ message: Message }>(sa, "message:send", {
    conversationId: conv,
    clientId: randomUUID(),
    body: "",
    attachmentIds: ids,
  });
  assert.ok(sent.ok, JSON.stringify(sent));
  assert.deepEqual(
    sent.message.attachments.map((a) => a.name),
    names,
    "ack",
  );
  const live = await rb.waitFor<Message>("message:new", (m) => m.id === sent.message.id);
  assert.deepEqual(
    live.attachments.map((a) => a.name),
    names,
    "message:new",
  );
  // A later update of one file (processing done) must not move it.
  await h.app.deps.db.query("UPDATE attachments SET status = 'ready' WHERE id = $1", [ids[0]]);
  await h.app.attachmentListener.listening();
  await h.app.deps.db.query("SELECT pg_notify($1, $2)", [ATTACHMENT_UPDATED_CHANNEL, ids[0]]);
  const updated = await rb.waitFor<Message>(
    "message:updated",
    (m) => m.id === sent.message.id && m.attachments.some((a) => a.status === "ready"),
  );
  assert.deepEqual(
    updated.attachments.map((a) => a.name),
    names,
    "message:updated",
  );
  const history = await api<{ messages: Message[] }>(h, ben, "GET", `/api/conversations/${conv}/messages`);
  assert.deepEqual(
    history.body.messages.find((m) => m.id === sent.message.id)?.attachments.map((a) => a.name),
    names,
    "history",
  );
});

test("the LISTEN connection comes back after the database drops it", async () => {
  const [ann, ben] = await Promise.all([register(h), register(h)]);
  const conv = await groupOf(h, ann, [ben]);
  const sa = await socketFor(h, ann.accessToken);
  const sb = await socketFor(h, ben.accessToken);
  const rb = recorder(sb);
  const id = await upload(conv, ann.user.id);
  const sent = await emitAck<{ message: Message }>(sa, "message:send", {
    conversationId: conv,
    clientId: randomUUID(),
    body: "clip",
    attachmentIds: [id],
  });
  assert.ok(sent.ok);
  await h.app.attachmentListener.listening();
  const killed = await h.app.deps.db.query<{ pid: number }>(
    "SELECT pid, pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%'",
  );
  assert.equal(killed.rowCount, 1);
  const oldPid = killed.rows[0]!.pid;
  // Wait until it has noticed and reconnected (listening() resolves for the new connection only).
  await new Promise<void>((resolve) => {
    const poll = async () => {
      const r = await h.app.deps.db.query(
        "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%' AND state = 'idle' AND pid <> $1",
        [oldPid],
      );
      if (r.rowCount) resolve();
      else setImmediate(poll);
    };
    void poll();
  });
  await h.app.attachmentListener.listening();
  await h.app.deps.db.query("UPDATE attachments SET status = 'failed' WHERE id = $1", [id]);
  await h.app.deps.db.query("SELECT pg_notify($1, $2)", [ATTACHMENT_UPDATED_CHANNEL, id]);
  await rb.waitFor<Message>(
    "message:updated",
    (m) => m.id === sent.message.id && m.attachments[0]?.status === "failed",
  );
});
