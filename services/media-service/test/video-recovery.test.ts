import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import PgBoss from "pg-boss";
import { TRANSCODE_QUEUE } from "../src/plugins/jobs.js";
import { type Harness, makeClip, objectKeysIn, settledAttachment, startHarness, upload } from "./helpers.js";

/**
 * A video whose transcode job a worker took and then died with (no ack, no lock: as after a kill -9 or a lost
 * machine), then a media-service with a worker starting.
 */
async function orphanedTranscode(h: Harness) {
  const clip = join(h.tmpDir, "fixture-clip.mkv");
  await makeClip(clip);
  const res = await upload(h, h.users.alice.token, await readFile(clip), "clip.mkv", { type: "video/x-matroska" });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  const deadWorker = new PgBoss({ connectionString: h.database.url, supervise: false, schedule: false });
  await deadWorker.start();
  const [job] = await deadWorker.fetch(TRANSCODE_QUEUE);
  assert.ok(job, "the dead worker took the job");
  await deadWorker.stop({ graceful: false, wait: true });
  await h.startApp({ VIDEO_WORKER: true, VIDEO_RECLAIM_AFTER_SECONDS: 1 });
  return res.body.attachment!.id;
}

test("a transcode whose worker died is handed back within seconds and the video becomes ready", async (t) => {
  const h = await startHarness({ VIDEO_WORKER: false, VIDEO_RETRY_LIMIT: 1 });
  try {
    const started = Date.now();
    const id = await orphanedTranscode(h);
    const settled = await settledAttachment(h, id, h.users.bob.token, 30_000);
    assert.equal(settled.status, "ready");
    t.diagnostic(`ready ${Date.now() - started} ms after the upload (retry delay 5 s)`);
  } finally {
    await h.close();
  }
});

test("a transcode whose worker died on its last attempt ends failed and its original is removed", async () => {
  const h = await startHarness({ VIDEO_WORKER: false, VIDEO_RETRY_LIMIT: 0 });
  try {
    const id = await orphanedTranscode(h);
    const settled = await settledAttachment(h, id, h.users.alice.token, 30_000);
    assert.equal(settled.status, "failed");
    assert.ok(!(await objectKeysIn(h)).includes(`originals/${id}`));
  } finally {
    await h.close();
  }
});
