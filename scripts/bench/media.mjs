#!/usr/bin/env node
// Media pipeline: upload-to-ready time through the real media-service (HTTP multipart → clamd → sharp/ffmpeg →
// S3 → PostgreSQL), beside the raw sharp / ffmpeg / clamd time on the same file in the same run, so the
// service's own overhead (streaming, S3, DB, queue) is visible.
//
//   node scripts/bench/media.mjs [--small] [--runs=N]
//
// Full: a 12 MP JPEG and a 30 s 1080p video. --small (CI): a 4 MP JPEG and a 5 s 720p video, one run.
// Needs PostgreSQL (TEST_DATABASE_ADMIN_URL), clamd and ffmpeg. Runs the TypeScript sources through tsx.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const self = fileURLToPath(import.meta.url);
if (!process.env.MEDIA_BENCH_CHILD) {
  const r = spawnSync(process.execPath, ["--conditions=source", "--import", "tsx", self, ...process.argv.slice(2)], {
    stdio: "inherit",
    cwd: fileURLToPath(new URL("../../services/media-service/", import.meta.url)),
    env: { ...process.env, MEDIA_BENCH_CHILD: "1" },
  });
  process.exit(r.status ?? 1);
}

const { execFile } = await import("node:child_process");
const { mkdtemp, readFile, rm, stat } = await import("node:fs/promises");
const { cpus, loadavg, tmpdir } = await import("node:os");
const { join } = await import("node:path");
const { promisify } = await import("node:util");
const { default: pg } = await import("pg");
const { default: sharp } = await import("sharp");
const { ATTACHMENT_UPDATED_CHANNEL } = await import("@messenger/common");
const { startHarness, upload } = await import("../../services/media-service/test/helpers.ts");
const { processImage } = await import("../../services/media-service/src/domain/image.ts");
const { extractPoster, probe, transcodeToMp4 } = await import("../../services/media-service/src/domain/video.ts");
const { loadConfig } = await import("../../services/media-service/src/config.ts");
const { createScanner } = await import("../../services/media-service/src/plugins/scanner.ts");

const run = promisify(execFile);
const SMALL = process.argv.includes("--small");
const RUNS = Number(process.argv.find((a) => a.startsWith("--runs="))?.slice(7) ?? (SMALL ? 1 : 3));
const IMAGE = SMALL ? { w: 2448, h: 1632 } : { w: 4000, h: 3000 };
const VIDEO = SMALL ? { w: 1280, h: 720, s: 5 } : { w: 1920, h: 1080, s: 30 };

const work = await mkdtemp(join(tmpdir(), "media-bench-"));
const now = () => performance.now();
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mb = async (p) => ((await stat(p)).size / 1024 / 1024).toFixed(1);

// Fixtures: a noisy photo (compresses like a real one, not like a flat colour) and a moving test pattern with sound.
const photo = join(work, "photo.jpg");
await sharp({
  create: { width: IMAGE.w, height: IMAGE.h, channels: 3, noise: { type: "gaussian", mean: 120, sigma: 40 } },
})
  .blur(1.2)
  .jpeg({ quality: 88 })
  .withMetadata({ orientation: 6 })
  .toFile(photo);
const clip = join(work, "clip.mov");
await run("ffmpeg", [
  ...["-hide_banner", "-loglevel", "error", "-y"],
  ...["-f", "lavfi", "-i", `testsrc2=size=${VIDEO.w}x${VIDEO.h}:rate=30:duration=${VIDEO.s}`],
  ...["-f", "lavfi", "-i", `sine=frequency=440:duration=${VIDEO.s}`],
  ...["-c:v", "libx264", "-preset", "ultrafast", "-crf", "18", "-c:a", "aac", "-shortest", clip],
]);

const h = await startHarness({ LOG_LEVEL: "silent" });
const scanner = createScanner({ host: h.clamd.host, port: h.clamd.port, timeoutMs: 60_000 });
const listener = new pg.Client({ connectionString: h.database.url });
await listener.connect();
await listener.query(`LISTEN ${ATTACHMENT_UPDATED_CHANNEL}`);
const readyWaiters = new Map();
listener.on("notification", (n) => readyWaiters.get(n.payload)?.());

// Warm-up (first clamd scan, first sharp call) so that neither side of the comparison pays it.
await scanner.scanFile(photo);
await processImage(photo, join(work, "warmup"));

const rows = [];
try {
  const photoBytes = await readFile(photo);
  const clipBytes = await readFile(clip);
  const t = { imgService: [], imgSharp: [], imgScan: [], vidReply: [], vidReady: [], vidFfmpeg: [], vidScan: [] };
  for (let i = 0; i < RUNS; i++) {
    // Raw tools on the same files.
    let s = now();
    await scanner.scanFile(photo);
    t.imgScan.push(now() - s);
    s = now();
    await processImage(photo, join(work, `raw-img-${i}`));
    t.imgSharp.push(now() - s);
    s = now();
    await scanner.scanFile(clip);
    t.vidScan.push(now() - s);
    s = now();
    const p = await probe(clip);
    await transcodeToMp4(clip, join(work, `raw-${i}.mp4`), p, loadConfig({}).video);
    await extractPoster(join(work, `raw-${i}.mp4`), join(work, `raw-${i}.jpg`), 1);
    t.vidFfmpeg.push(now() - s);

    // Through the service.
    s = now();
    const img = await upload(h, h.users.alice.token, photoBytes, "photo.jpg", { type: "image/jpeg" });
    if (img.status !== 201 || img.body.attachment.status !== "ready") throw new Error(JSON.stringify(img.body));
    t.imgService.push(now() - s);

    s = now();
    let ready;
    const readyP = new Promise((resolve) => {
      ready = resolve;
    });
    const vid = await upload(h, h.users.alice.token, clipBytes, "clip.mov", { type: "video/quicktime" });
    if (vid.status !== 201) throw new Error(JSON.stringify(vid.body));
    t.vidReply.push(now() - s);
    readyWaiters.set(vid.body.attachment.id, ready);
    const info = await fetch(`${h.base}/api/media/${vid.body.attachment.id}/info`, {
      headers: { authorization: `Bearer ${h.users.alice.token}` },
    }).then((r) => r.json());
    if (info.attachment.status === "processing") await readyP; // else it finished before we subscribed
    t.vidReady.push(now() - s);
  }
  const f = (xs) => `${Math.round(median(xs))} ms`;
  rows.push(
    [
      `JPEG ${((IMAGE.w * IMAGE.h) / 1e6).toFixed(0)} MP, ${await mb(photo)} MB`,
      "upload → ready (201)",
      f(t.imgService),
    ],
    ["", "raw clamd scan", f(t.imgScan)],
    ["", "raw sharp (rotate, resize 2560, thumb)", f(t.imgSharp)],
    [`video ${VIDEO.s} s ${VIDEO.h}p, ${await mb(clip)} MB`, "upload → 201 (processing)", f(t.vidReply)],
    ["", "upload → ready (NOTIFY)", f(t.vidReady)],
    ["", "raw clamd scan", f(t.vidScan)],
    ["", "raw ffmpeg (probe, H.264 mp4, poster)", f(t.vidFfmpeg)],
  );
  // Where the service's time went, from its own /metrics (mean per upload).
  const metrics = await (await fetch(`${h.base}/metrics`)).text();
  const stage = (name, kind) => {
    const grab = (suffix) =>
      Number(
        new RegExp(`media_upload_stage_seconds_${suffix}\\{stage="${name}",kind="${kind}"\\} ([0-9.e+-]+)`).exec(
          metrics,
        )?.[1] ?? Number.NaN,
      );
    return `${Math.round((grab("sum") / grab("count")) * 1000)} ms`;
  };
  rows.push(
    [
      "service stages (mean)",
      "image: scan / process / store",
      [stage("scan", "image"), stage("process", "image"), stage("store", "image")].join(" / "),
    ],
    [
      "",
      "video: scan / store original / transcode",
      [stage("scan", "video"), stage("store", "video"), stage("transcode", "video")].join(" / "),
    ],
  );
  console.log(
    `\nmedia pipeline, median of ${RUNS} run(s), ${cpus().length} CPU(s), load ${loadavg()[0].toFixed(1)}, ${SMALL ? "--small" : "full"}\n`,
  );
  const w = [0, 1, 2].map((c) => Math.max(...rows.map((r) => r[c].length)));
  for (const r of rows) console.log(`  ${r[0].padEnd(w[0])}  ${r[1].padEnd(w[1])}  ${r[2].padStart(w[2])}`);
  console.log("");
} finally {
  await listener.end();
  await h.close();
  await rm(work, { recursive: true, force: true });
}
