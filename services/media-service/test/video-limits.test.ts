import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { chmod, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { eventually } from "@messenger/common/testing";
import { FfmpegTimeoutError, probe, transcodeToMp4 } from "../src/domain/video.js";
import {
  attachmentCount,
  attachmentInfo,
  type Harness,
  leftoverTempFiles,
  makeClip,
  objectKeysIn,
  processesMentioning,
  runFfmpeg,
  settledAttachment,
  startHarness,
  upload,
} from "./helpers.js";

const run = promisify(execFile);
const TEN_HOURS = 36_000;

/** Three black 1080p frames ten hours apart: a few KB that decode to 20 hours of video. */
async function framesTenHoursApart(path: string) {
  await runFfmpeg(
    ...["-f", "lavfi", "-i", "color=c=black:size=1920x1080:rate=1:duration=3"],
    ...["-vf", `setpts=N*${TEN_HOURS}/TB`, "-fps_mode", "passthrough", "-c:v", "libx264", "-preset", "ultrafast", path],
  );
}

describe("video limits", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ VIDEO_RETRY_LIMIT: 1 });
  });
  after(() => h.close());

  test("a tiny MKV with frames ten hours apart is refused at upload, and a normal video sent after it becomes ready", async (t) => {
    const bomb = join(h.tmpDir, "fixture-bomb.mkv");
    await framesTenHoursApart(bomb);
    const bytes = await readFile(bomb);
    assert.ok(bytes.length < 20_000, `fixture is ${bytes.length} bytes`);

    const started = Date.now();
    const refused = await upload(h, h.users.alice.token, bytes, "party.mkv", { type: "video/x-matroska" });
    const refusedInMs = Date.now() - started;
    assert.equal(refused.status, 422, JSON.stringify(refused.body));
    assert.equal(refused.body.error?.code, "video_limit_exceeded");
    assert.match(refused.body.error?.message ?? "", /1200 min long; the limit is 20 min/);
    assert.ok(refusedInMs < 5000, `refused in ${refusedInMs} ms`);
    t.diagnostic(`${bytes.length} bytes refused in ${refusedInMs} ms`);
    assert.equal(await attachmentCount(h), 0);
    assert.deepEqual(await objectKeysIn(h), []);

    const clip = join(h.tmpDir, "fixture-normal.mkv");
    await makeClip(clip);
    const res = await upload(h, h.users.alice.token, await readFile(clip), "normal.mkv", { type: "video/x-matroska" });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const ready = await settledAttachment(h, res.body.attachment!.id, h.users.bob.token);
    assert.equal(ready.status, "ready");
    assert.ok(Math.abs(ready.durationMs! - 2000) < 300, `duration ${ready.durationMs}`);
  });

  test("frames ten hours apart behind a header claiming 3 s settle in seconds (no 20-hour transcode)", async (t) => {
    const bomb = join(h.tmpDir, "fixture-liar.mkv");
    await framesTenHoursApart(bomb);
    // Rewrite the segment's Duration (EBML 0x4489, an 8-byte float in ms) and the stream's DURATION tag.
    const bytes = Buffer.from(await readFile(bomb));
    const duration = bytes.indexOf(Buffer.from([0x44, 0x89, 0x88]));
    assert.ok(duration > 0 && bytes.readDoubleBE(duration + 3) === 2 * TEN_HOURS * 1000 + 1000);
    bytes.writeDoubleBE(3000, duration + 3);
    const tag = bytes.indexOf("20:00:01.0");
    assert.ok(tag > 0);
    bytes.write("00:00:03.0", tag);
    const liar = join(h.tmpDir, "fixture-liar-patched.mkv");
    await writeFile(liar, bytes);
    const claimed = await probe(liar, { countFrames: true });
    assert.deepEqual([claimed.durationMs, claimed.frames], [3000, 3], "the header lies, the frames are few");

    const started = Date.now();
    const res = await upload(h, h.users.alice.token, bytes, "liar.mkv", { type: "video/x-matroska" });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const settled = await settledAttachment(h, res.body.attachment!.id, h.users.alice.token, 30_000);
    const settledInMs = Date.now() - started;
    assert.ok(settledInMs < 20_000, `settled in ${settledInMs} ms`);
    // Frames are kept with their timestamps and the output is cut at the limit: whatever ffmpeg makes of it
    // (here one frame, too short for a poster at 0.5 s, so `failed`), it is never hours of video.
    if (settled.status === "ready") assert.ok(settled.durationMs! <= 20 * 60_000, `output ${settled.durationMs} ms`);
    t.diagnostic(`${settled.status} in ${settledInMs} ms`);
    assert.deepEqual(await leftoverTempFiles(h).then((f) => f.filter((n) => !n.startsWith("fixture-"))), []);
  });

  test("a transcode ffmpeg stops by itself at its CPU budget, even with nobody left to kill it", async (t) => {
    const clip = join(h.tmpDir, "fixture-cpu.mkv");
    await runFfmpeg("-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30:duration=20", "-c:v", "mpeg4", clip);
    const source = await probe(clip);
    const started = Date.now();
    // No signal, no process timeout: only the budget from a 1 s job wall clock (1 CPU second per core).
    const limits = { maxDurationSeconds: 1200, outputMaxFps: 60, outputMaxBytes: 500 * 1024 * 1024, jobTimeoutMs: 1 };
    // ffmpeg catches the kernel's SIGXCPU and exits (255); one CPU second later the kernel would SIGKILL it.
    await assert.rejects(transcodeToMp4(clip, join(h.tmpDir, "fixture-cpu.mp4"), source, limits), /exited with/);
    const tookMs = Date.now() - started;
    assert.ok(tookMs < 15_000, `ffmpeg ran ${tookMs} ms`);
    t.diagnostic(`ffmpeg ended itself after ${tookMs} ms (CPU budget: 1 s per core)`);
  });

  test("ffprobe on an input that never arrives is killed at its timeout", async () => {
    const fifo = join(h.tmpDir, "fixture-never.fifo");
    await run("mkfifo", [fifo]);
    const started = Date.now();
    await assert.rejects(probe(fifo, { timeoutMs: 500 }), FfmpegTimeoutError);
    const tookMs = Date.now() - started;
    assert.ok(tookMs < 3000, `took ${tookMs} ms`);
    assert.deepEqual(await processesMentioning(fifo), []);
  });
});

/**
 * The real ffmpeg reading its input at playback speed (-re), as a slow machine would: a 10 s clip takes 10 s.
 * Each run is logged to `fixture-ffmpeg-calls.log` in the harness's temp dir.
 */
async function slowFfmpeg(h: Harness): Promise<{ path: string; calls: string }> {
  const calls = join(h.tmpDir, "fixture-ffmpeg-calls.log");
  const path = join(h.tmpDir, "fixture-slow-ffmpeg.sh");
  await writeFile(path, `#!/bin/sh\necho "$*" >> '${calls}'\nexec ffmpeg -re "$@"\n`);
  await chmod(path, 0o755);
  return { path, calls };
}

/** Resolves once a (slow) ffmpeg is transcoding in the harness's temp dir. */
async function untilTranscoding(h: Harness) {
  await eventually(
    "ffmpeg started",
    async () => (await processesMentioning(h.tmpDir)).some((p) => p.includes("ffmpeg -re")),
    20_000,
  );
}

/** The transcode job's pg-boss state once it is no longer running. */
async function settledJobState(h: Harness): Promise<string> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const { rows } = await h.db.query<{ state: string }>("SELECT state FROM pgboss.job WHERE name = 'media-transcode'");
    const state = rows[0]?.state;
    if (state && state !== "active") return state;
    if (Date.now() > deadline) throw new Error(`job still ${state}`);
    await new Promise((r) => setTimeout(r, 100)); // polling a condition (the job's state), with a deadline
  }
}

describe("video job wall clock", () => {
  let h: Harness;
  let calls: string;
  before(async () => {
    h = await startHarness({ VIDEO_WORKER: false });
    const ffmpeg = await slowFfmpeg(h);
    calls = ffmpeg.calls;
    await h.startApp({
      VIDEO_WORKER: true,
      FFMPEG_PATH: ffmpeg.path,
      VIDEO_JOB_TIMEOUT_MS: 1500,
      VIDEO_RETRY_LIMIT: 1,
    });
  });
  after(() => h.close());

  test("a transcode running past the job's wall clock ends failed, ffmpeg killed, and is not retried", async (t) => {
    const clip = join(h.tmpDir, "fixture-ten-seconds.mkv");
    await makeClip(clip, 10);
    const started = Date.now();
    const res = await upload(h, h.users.alice.token, await readFile(clip), "slow.mkv", { type: "video/x-matroska" });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const settled = await settledAttachment(h, res.body.attachment!.id, h.users.alice.token, 30_000);
    const settledInMs = Date.now() - started;
    assert.equal(settled.status, "failed");
    assert.ok(settledInMs < 8000, `failed after ${settledInMs} ms (ffmpeg alone needs 10 s)`);
    t.diagnostic(`failed ${settledInMs} ms after the upload (wall clock 1500 ms)`);
    assert.deepEqual(await processesMentioning(h.tmpDir), [], "no ffmpeg left running");
    const runs = (await readFile(calls, "utf8")).trim().split("\n");
    assert.equal(runs.length, 1, `ffmpeg ran ${runs.length} times:\n${runs.join("\n")}`);
    // Done for good, not waiting for a retry that would be killed the same way.
    assert.equal(await settledJobState(h), "completed");
    assert.ok(!(await objectKeysIn(h)).some((k) => k.startsWith("originals/")), "the original is removed");
  });
});

describe("stopping the service", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ VIDEO_WORKER: false });
  });
  after(() => h.close());

  test("closing kills a running transcode's ffmpeg and hands its job back, and another worker finishes it", async () => {
    const ffmpeg = await slowFfmpeg(h);
    const slow = await h.startApp({ VIDEO_WORKER: true, FFMPEG_PATH: ffmpeg.path, SHUTDOWN_GRACE_MS: 200 });
    const clip = join(h.tmpDir, "fixture-ten-seconds.mkv");
    await makeClip(clip, 10);
    const res = await upload(h, h.users.alice.token, await readFile(clip), "long.mkv", { type: "video/x-matroska" });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const id = res.body.attachment!.id;
    await untilTranscoding(h);

    await slow.app.close();
    assert.deepEqual(await processesMentioning(h.tmpDir), [], "no ffmpeg outlives the service");
    const { rows } = await h.db.query<{ state: string; status: string }>(
      `SELECT j.state, a.status FROM pgboss.job j JOIN attachments a ON a.id = (j.data->>'attachmentId')::uuid
        WHERE j.name = 'media-transcode'`,
    );
    assert.deepEqual(rows, [{ state: "retry", status: "processing" }], "handed back, not failed");

    await h.startApp({ VIDEO_WORKER: true });
    assert.equal((await settledAttachment(h, id, h.users.bob.token, 60_000)).status, "ready");
  });
});

describe("video lanes", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ VIDEO_WORKER: false, VIDEO_LONG_SECONDS: 5 });
    const ffmpeg = await slowFfmpeg(h);
    await h.startApp({ VIDEO_WORKER: true, FFMPEG_PATH: ffmpeg.path, VIDEO_LONG_SECONDS: 5 });
  });
  after(() => h.close());

  test("a short clip sent while a long video is transcoding is ready first: it never waits behind it", async (t) => {
    const long = join(h.tmpDir, "fixture-long.mkv");
    const short = join(h.tmpDir, "fixture-short.mkv");
    await Promise.all([makeClip(long, 12), makeClip(short, 1)]);
    const first = await upload(h, h.users.alice.token, await readFile(long), "long.mkv", { type: "video/x-matroska" });
    assert.equal(first.status, 201, JSON.stringify(first.body));
    await untilTranscoding(h);

    const started = Date.now();
    const second = await upload(h, h.users.alice.token, await readFile(short), "short.mkv", {
      type: "video/x-matroska",
    });
    assert.equal(second.status, 201, JSON.stringify(second.body));
    const ready = await settledAttachment(h, second.body.attachment!.id, h.users.bob.token, 30_000);
    assert.equal(ready.status, "ready");
    const longNow = await attachmentInfo(h, first.body.attachment!.id, h.users.bob.token);
    assert.equal(longNow.status, "processing", "the long video is still transcoding");
    t.diagnostic(`short clip ready ${Date.now() - started} ms after its upload, the 12 s video still transcoding`);
    assert.equal((await settledAttachment(h, first.body.attachment!.id, h.users.bob.token, 60_000)).status, "ready");
  });
});
