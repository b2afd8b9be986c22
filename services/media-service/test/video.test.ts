import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { ATTACHMENT_UPDATED_CHANNEL } from "@messenger/common";
import type { Attachment } from "@messenger/protocol";
import pg from "pg";
import sharp from "sharp";
import { type Harness, objectKeysIn, startHarness, upload } from "./helpers.js";

const run = promisify(execFile);

/** Resolves with the next NOTIFY payload on the channel for which `match` holds. */
async function listen(url: string, match: (payload: string) => boolean) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`LISTEN ${ATTACHMENT_UPDATED_CHANNEL}`);
  const next = new Promise<string>((resolve) => {
    client.on("notification", (n) => {
      if (n.payload && match(n.payload)) resolve(n.payload);
    });
  });
  return { next, close: () => client.end() };
}

describe("video", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ VIDEO_RETRY_LIMIT: 0 });
  });
  after(() => h.close());

  test("a 10 s video becomes an H.264/AAC faststart MP4 with a poster: processing → ready, announced by NOTIFY", async () => {
    // MPEG-4 Part 2 + MP3 in Matroska: plays in no browser as it is.
    const source = join(h.tmpDir, "fixture-clip.mkv");
    await run("ffmpeg", [
      ...["-hide_banner", "-loglevel", "error", "-y"],
      ...["-f", "lavfi", "-i", "testsrc=size=640x480:rate=25:duration=10"],
      ...["-f", "lavfi", "-i", "sine=frequency=440:duration=10"],
      ...["-c:v", "mpeg4", "-q:v", "5", "-c:a", "libmp3lame", "-shortest", source],
    ]);
    const notifications = await listen(h.database.url, () => true);
    try {
      const res = await upload(h, h.users.alice.token, await readFile(source), "standup.mkv", {
        type: "video/x-matroska",
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      const a = res.body.attachment!;
      assert.equal(a.kind, "video");
      assert.equal(a.status, "processing");
      assert.equal(a.thumbnailUrl, undefined);
      const early = await fetch(`${h.base}${a.url}`, { headers: { authorization: `Bearer ${h.users.bob.token}` } });
      assert.equal(early.status, 409, "not playable until transcoded");

      assert.equal(await notifications.next, a.id);
      const info = await fetch(`${h.base}${a.url}/info`, { headers: { authorization: `Bearer ${h.users.bob.token}` } });
      const ready = ((await info.json()) as { attachment: Attachment }).attachment;
      assert.equal(ready.status, "ready");
      assert.equal(ready.mime, "video/mp4");
      assert.equal(ready.name, "standup.mp4");
      assert.deepEqual([ready.width, ready.height], [640, 480]);
      assert.ok(Math.abs(ready.durationMs! - 10_000) < 300, `duration ${ready.durationMs}`);
      assert.ok(ready.thumbnailUrl);

      const mp4 = Buffer.from(
        await (
          await fetch(`${h.base}${ready.url}`, { headers: { authorization: `Bearer ${h.users.bob.token}` } })
        ).arrayBuffer(),
      );
      assert.equal(mp4.length, ready.size);
      // faststart: the index (moov) precedes the media data (mdat), so playback starts before the download ends.
      assert.ok(mp4.indexOf("moov") < mp4.indexOf("mdat"));
      const out = join(h.tmpDir, "fixture-out.mp4");
      await writeFile(out, mp4);
      const { stdout } = await run("ffprobe", [
        "-v",
        "error",
        "-show_entries",
        "stream=codec_name,pix_fmt",
        "-of",
        "json",
        out,
      ]);
      const streams = (JSON.parse(stdout) as { streams: { codec_name: string; pix_fmt?: string }[] }).streams;
      assert.deepEqual(streams.map((s) => s.codec_name).sort(), ["aac", "h264"]);
      assert.equal(streams.find((s) => s.codec_name === "h264")?.pix_fmt, "yuv420p");

      // Seeking: a Range request answers 206 from the middle of the file.
      const seek = await fetch(`${h.base}${ready.url}`, {
        headers: { authorization: `Bearer ${h.users.bob.token}`, range: `bytes=${mp4.length - 1000}-` },
      });
      assert.equal(seek.status, 206);
      assert.deepEqual(Buffer.from(await seek.arrayBuffer()), mp4.subarray(mp4.length - 1000));

      const poster = await fetch(`${h.base}${ready.thumbnailUrl}`, {
        headers: { authorization: `Bearer ${h.users.bob.token}` },
      });
      assert.equal(poster.headers.get("content-type"), "image/jpeg");
      const pMeta = await sharp(Buffer.from(await poster.arrayBuffer())).metadata();
      assert.equal(pMeta.format, "jpeg");
      assert.ok(pMeta.width! <= 640);

      // The original is gone from the bucket once the MP4 is there.
      assert.deepEqual((await objectKeysIn(h)).sort(), [`media/${a.id}`, `thumbs/${a.id}`]);
    } finally {
      await notifications.close();
    }
  });

  test("a damaged video ends as failed (announced too) and its original is removed", async () => {
    const source = join(h.tmpDir, "fixture-damaged.mkv");
    await run("ffmpeg", [
      ...["-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25:duration=2"],
      ...["-c:v", "mpeg4", source],
    ]);
    // A real Matroska header (so it is accepted as a video), then noise instead of frames.
    const damaged = Buffer.concat([(await readFile(source)).subarray(0, 4096), randomBytes(200_000)]);
    const notifications = await listen(h.database.url, () => true);
    try {
      const res = await upload(h, h.users.alice.token, damaged, "broken.mkv", { type: "video/x-matroska" });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      const a = res.body.attachment!;
      assert.equal(a.status, "processing");
      assert.equal(await notifications.next, a.id);
      const info = await fetch(`${h.base}${a.url}/info`, {
        headers: { authorization: `Bearer ${h.users.alice.token}` },
      });
      assert.equal(((await info.json()) as { attachment: Attachment }).attachment.status, "failed");
      const media = await fetch(`${h.base}${a.url}`, { headers: { authorization: `Bearer ${h.users.alice.token}` } });
      assert.equal(media.status, 409);
      assert.ok(!(await objectKeysIn(h)).includes(`originals/${a.id}`));
    } finally {
      await notifications.close();
    }
  });

  test("a browser voice note (audio-only WebM) is audio, ready at once, with its duration", async () => {
    const source = join(h.tmpDir, "fixture-voice.webm");
    await run("ffmpeg", [
      ...["-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=300:duration=3"],
      ...["-c:a", "libopus", source],
    ]);
    const res = await upload(h, h.users.alice.token, await readFile(source), "voice.webm", { type: "audio/webm" });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const a = res.body.attachment!;
    assert.equal(a.kind, "audio");
    assert.equal(a.status, "ready");
    assert.equal(a.mime, "audio/webm");
    assert.ok(Math.abs(a.durationMs! - 3000) < 200, `duration ${a.durationMs}`);
    const r = await fetch(`${h.base}${a.url}`, { headers: { authorization: `Bearer ${h.users.bob.token}` } });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get("content-type"), "audio/webm");
  });
});
