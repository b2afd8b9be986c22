import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdir, readdir, utimes, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { after, before, test } from "node:test";
import sharp from "sharp";
import { createSweeper } from "../src/domain/sweep.js";
import { createStorage } from "../src/plugins/storage.js";
import { createAttachmentStore } from "../src/store/attachments.js";
import { type Harness, objectKeysIn, startHarness, upload } from "./helpers.js";

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(() => h.close());

async function photo(name: string): Promise<string> {
  const png = await sharp({ create: { width: 16, height: 16, channels: 3, background: "#468" } })
    .png()
    .toBuffer();
  const res = await upload(h, h.users.alice.token, png, name, { type: "image/png" });
  assert.equal(res.status, 201);
  return res.body.attachment!.id;
}

let seq = 0;
async function sendWith(attachmentId: string): Promise<string> {
  const { rows } = await h.db.query<{ id: string }>(
    `INSERT INTO messages (conversation_id, seq, sender_id, client_id, body) VALUES ($1, $2, $3, $4, '') RETURNING id`,
    [h.conversationId, ++seq, h.users.alice.id, randomUUID()],
  );
  await h.db.query("UPDATE attachments SET message_id = $2 WHERE id = $1", [attachmentId, rows[0]!.id]);
  return rows[0]!.id;
}

const backdate = (id: string) =>
  h.db.query("UPDATE attachments SET created_at = now() - interval '2 days' WHERE id = $1", [id]);
const mediaStatus = async (id: string) =>
  (await fetch(`${h.base}/api/media/${id}`, { headers: { authorization: `Bearer ${h.users.bob.token}` } })).status;

test("uploads never sent and files of deleted messages are removed; everything else stays", async () => {
  const abandoned = await photo("abandoned.png");
  const draft = await photo("draft.png");
  const deleted = await photo("deleted.png");
  const kept = await photo("kept.png");
  await backdate(abandoned);
  const deletedMessage = await sendWith(deleted);
  await sendWith(kept);
  await backdate(kept);
  await h.db.query("UPDATE messages SET body = '', deleted_at = now() WHERE id = $1", [deletedMessage]);

  // A deleted message's file is unreachable at once, before any sweep.
  assert.equal(await mediaStatus(deleted), 404);
  assert.equal(await mediaStatus(kept), 200);

  const sweeper = createSweeper({
    attachments: createAttachmentStore(h.db),
    storage: createStorage(h.minio, h.bucket),
    log: h.app.log,
    unsentHours: 24,
  });
  assert.equal(await sweeper.sweep(), 2);
  const { rows } = await h.db.query<{ id: string }>("SELECT id FROM attachments ORDER BY name");
  assert.deepEqual(rows.map((r) => r.id).sort(), [draft, kept].sort());
  const keys = await objectKeysIn(h);
  for (const id of [abandoned, deleted]) assert.ok(!keys.some((k) => k.endsWith(id)), `objects of ${id} removed`);
  for (const id of [draft, kept]) assert.ok(keys.includes(`media/${id}`) && keys.includes(`thumbs/${id}`));
  assert.equal(await sweeper.sweep(), 0);
});

test("work files a crashed upload or transcode left in the temp dir are removed at start; live ones stay", async () => {
  const hoursAgo = (n: number) => new Date(Date.now() - n * 3600_000);
  const leftover = async (name: string, when: Date) => {
    const dir = join(h.tmpDir, name);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, "original"), Buffer.alloc(64 * 1024));
    await utimes(join(dir, "original"), when, when);
    await utimes(dir, when, when);
    return dir;
  };
  const crashedUpload = await leftover("upload-crashed", hoursAgo(2));
  const crashedTranscode = await leftover("video-crashed", hoursAgo(3));
  const running = await leftover("video-running", hoursAgo(2));
  await writeFile(join(running, "video.mp4"), "ffmpeg is still writing this"); // written just now
  const foreign = join(h.tmpDir, "someone-elses.txt");
  await writeFile(foreign, "not ours");
  await utimes(foreign, hoursAgo(5), hoursAgo(5));

  await h.startApp(); // the temp dir is swept when an instance starts (and every 10 min after)
  const left = await readdir(h.tmpDir);
  assert.ok(!left.includes(basename(crashedUpload)) && !left.includes(basename(crashedTranscode)), left.join(", "));
  assert.ok(left.includes("video-running") && left.includes("someone-elses.txt"), left.join(", "));
});
