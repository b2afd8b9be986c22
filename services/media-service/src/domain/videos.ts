import { createWriteStream } from "node:fs";
import { mkdir, mkdtemp, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { ATTACHMENT_UPDATED_CHANNEL, type Db, type Queryable, withTransaction } from "@messenger/common";
import type { FastifyBaseLogger } from "fastify";
import type { Config } from "../config.js";
import type { TranscodeJob } from "../plugins/jobs.js";
import type { Metrics } from "../plugins/metrics.js";
import type { Storage } from "../plugins/storage.js";
import type { AttachmentStore } from "../store/attachments.js";
import { renameExt } from "./classify.js";
import { objectKeys } from "./uploads.js";
import { extractPoster, probe, transcodeToMp4, videoOverLimits } from "./video.js";

/** A video that will fail the same way however often it is retried: over a limit, or out of time. */
class PermanentVideoError extends Error {
  override name = "PermanentVideoError";
}

export interface VideoDeps {
  config: Config;
  db: Db;
  storage: Storage;
  attachments: AttachmentStore;
  metrics: Metrics;
  log: FastifyBaseLogger;
}

/** chat-service LISTENs on this channel and sends `message:updated` to the conversation's members. */
const notifyUpdated = (tx: Queryable, id: string) =>
  tx.query("SELECT pg_notify($1, $2)", [ATTACHMENT_UPDATED_CHANNEL, id]);

export function createVideoProcessor(deps: VideoDeps) {
  const { config, storage, attachments, metrics, log } = deps;
  const limits = config.video;
  // Aborted when the service stops: a running ffmpeg must not outlive it (it would be orphaned, still encoding).
  const stopping = new AbortController();
  const running = new Set<Promise<unknown>>();

  async function finish(id: string, update: (tx: Queryable) => Promise<void>): Promise<boolean> {
    return withTransaction(deps.db, async (tx) => {
      const row = await attachments.getForUpdate(id, tx);
      if (row?.status !== "processing") return false; // deleted, or already finished by an earlier run
      await update(tx);
      await notifyUpdated(tx, id);
      return true;
    });
  }

  /** The original goes first: once the row says `failed`, nothing of the video is left behind. */
  async function fail(id: string, originalKey: string) {
    await storage.remove(originalKey).catch(() => {});
    if (await finish(id, (tx) => attachments.markFailed(id, tx))) metrics.video("failed");
  }

  /** One transcode job: original → MP4 + poster → bucket → row `ready` + NOTIFY, in one transaction. */
  async function transcode(job: TranscodeJob, attempt: { final: boolean }): Promise<void> {
    const row = await attachments.get(job.attachmentId);
    if (row?.status !== "processing") return;
    const keys = objectKeys(row.id);
    await mkdir(config.tmpDir, { recursive: true });
    const work = await mkdtemp(join(config.tmpDir, "video-"));
    const done = metrics.time("transcode", "video");
    // The job's wall clock: when it runs out, the running ffmpeg is SIGKILLed and the video is `failed`.
    const deadline = AbortSignal.timeout(limits.jobTimeoutMs);
    const signal = AbortSignal.any([deadline, stopping.signal]);
    const ff = { ffmpegPath: config.ffmpegPath, ffprobePath: config.ffprobePath, signal };
    const probeOpts = { ...ff, timeoutMs: limits.probeTimeoutMs };
    let ended = false;
    const timed = () => {
      if (!ended) done();
      ended = true;
    };
    try {
      const input = join(work, "original");
      await pipeline(await storage.get(job.originalKey), createWriteStream(input), { signal });
      const source = await probe(input, { ...probeOpts, countFrames: true });
      // Checked at upload too; again here because limits can change while a job waits.
      const over = videoOverLimits(source, limits);
      if (over) throw new PermanentVideoError(over);
      const mp4 = join(work, "video.mp4");
      await transcodeToMp4(input, mp4, source, limits, ff);
      const out = await probe(mp4, probeOpts);
      // ffmpeg can "succeed" on a damaged input with an empty output.
      if (!out.hasVideo || out.durationMs <= 0) throw new Error("transcode produced no video");
      const poster = join(work, "poster.jpg");
      await extractPoster(mp4, poster, Math.min(1, out.durationMs / 2000), ff);
      timed(); // the transcode stage is ffmpeg's work; storing and the row update follow
      const size = (await stat(mp4)).size;
      await storage.putFile(keys.media, mp4, "video/mp4");
      await storage.putFile(keys.thumbnail, poster, "image/jpeg");
      const updated = await finish(row.id, (tx) =>
        attachments.markVideoReady(
          row.id,
          {
            name: renameExt(row.name, "mp4"),
            mime: "video/mp4",
            size,
            width: out.width ?? 0,
            height: out.height ?? 0,
            durationMs: out.durationMs,
            objectKey: keys.media,
            thumbnailKey: keys.thumbnail,
          },
          tx,
        ),
      );
      if (updated) {
        metrics.video("ready");
        await storage.remove(job.originalKey).catch(() => {});
      }
      log.info({ attachmentId: row.id, durationMs: out.durationMs, size }, "video ready");
    } catch (caught) {
      const err = deadline.aborted
        ? new PermanentVideoError(`out of its ${limits.jobTimeoutMs} ms wall clock`, { cause: caught })
        : caught;
      // Stopped with the service: not the video's fault, and not an attempt used up.
      if (stopping.signal.aborted && !deadline.aborted) throw caught;
      const final = attempt.final || err instanceof PermanentVideoError;
      log.warn({ err, attachmentId: row.id, final }, "video transcode failed");
      if (!final) throw err; // pg-boss retries it
      await fail(row.id, job.originalKey);
    } finally {
      timed();
      await rm(work, { recursive: true, force: true });
    }
  }

  return {
    /** A job pg-boss gave up on (its worker died on the last attempt): the video is `failed`, announced. */
    async giveUp(job: TranscodeJob): Promise<void> {
      log.warn({ attachmentId: job.attachmentId }, "video transcode abandoned: its worker died on the last attempt");
      await fail(job.attachmentId, job.originalKey);
    },

    /** Runs one job, tracked so that `stop` can wait for it or end it. */
    async run(job: TranscodeJob, attempt: { final: boolean }): Promise<void> {
      const done = transcode(job, attempt);
      running.add(done);
      try {
        await done;
      } finally {
        running.delete(done);
      }
    },

    /**
     * Lets running transcodes finish for up to `graceMs`, then kills their ffmpeg (SIGKILL) and returns once they
     * have ended: their jobs go back to pg-boss for another instance (the video stays `processing`).
     */
    async stop(graceMs: number): Promise<void> {
      const all = Promise.allSettled([...running]);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([all, new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
      clearTimeout(timer);
      stopping.abort();
      await all;
    },
  };
}
