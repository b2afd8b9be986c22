import { randomUUID } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { type AttachmentRow, type Db, toAttachment, withTransaction } from "@messenger/common";
import { type Attachment, cleanDisplayText } from "@messenger/protocol";
import type { FastifyBaseLogger } from "fastify";
import type { Config } from "../config.js";
import {
  infected,
  scannerUnavailable,
  storageFull,
  tooLarge,
  unscannable,
  unsupportedType,
  videoLimitExceeded,
} from "../errors.js";
import type { Jobs } from "../plugins/jobs.js";
import type { Metrics } from "../plugins/metrics.js";
import { type Scanner, ScannerUnavailableError } from "../plugins/scanner.js";
import type { Storage } from "../plugins/storage.js";
import type { AttachmentStore } from "../store/attachments.js";
import { AV_CONTAINERS, classify, type Detected, renameExt, SNIFF_BYTES } from "./classify.js";
import { renderPdfThumbnail } from "./document-preview.js";
import { processImage, UndecodableImageError } from "./image.js";
import { probe, videoOverLimits } from "./video.js";

export interface UploadDeps {
  config: Config;
  db: Db;
  storage: Storage;
  scanner: Scanner;
  attachments: AttachmentStore;
  jobs: Jobs;
  metrics: Metrics;
  log: FastifyBaseLogger;
}

export interface IncomingFile {
  stream: Readable & { truncated?: boolean };
  filename: string;
  mimetype: string;
}

export const objectKeys = (id: string) => ({
  media: `media/${id}`,
  thumbnail: `thumbs/${id}`,
  original: `originals/${id}`,
});

/** Display name: no path, no control, bidi or zero-width characters (no "invoice\u202Egpj.exe"), bounded length. */
export function cleanName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? "";
  return (cleanDisplayText(base) || "file").slice(0, 200);
}

/**
 * Streams the upload to `path`, deciding its type from the first bytes and stopping as soon as the byte count
 * crosses that type's limit (the rest of the body is never read).
 */
export async function receiveToFile(
  file: IncomingFile,
  path: string,
  name: string,
  config: Pick<Config, "limits" | "allowedKinds">,
): Promise<{ detected: Detected; size: number }> {
  let detected: Detected | undefined;
  let size = 0;
  const decide = async (head: Buffer) => {
    const c = await classify(head, name, file.mimetype);
    if (!c.ok) throw unsupportedType(c.reason);
    if (!config.allowedKinds.includes(c.detected.kind))
      throw unsupportedType(`${c.detected.kind} uploads are disabled`);
    return c.detected;
  };
  await pipeline(
    file.stream,
    async function* (source: AsyncIterable<Buffer>) {
      let head: Buffer[] = [];
      let headBytes = 0;
      for await (const chunk of source) {
        size += chunk.length;
        if (!detected) {
          head.push(chunk);
          headBytes += chunk.length;
          if (headBytes < SNIFF_BYTES) continue;
          detected = await decide(Buffer.concat(head));
          const buffered = Buffer.concat(head);
          head = [];
          if (size > config.limits[detected.kind]) throw tooLarge(config.limits[detected.kind]);
          yield buffered;
          continue;
        }
        if (size > config.limits[detected.kind]) throw tooLarge(config.limits[detected.kind]);
        yield chunk;
      }
      if (!detected) {
        if (size === 0) throw unsupportedType("the file is empty");
        detected = await decide(Buffer.concat(head));
        if (size > config.limits[detected.kind]) throw tooLarge(config.limits[detected.kind]);
        yield Buffer.concat(head);
      }
    },
    createWriteStream(path),
  );
  // The multipart parser's own cap (the largest limit) cut the stream short.
  if (file.stream.truncated || !detected) throw tooLarge(Math.max(...Object.values(config.limits)));
  return { detected, size };
}

export function createUploads(deps: UploadDeps) {
  const { config, storage, scanner, attachments, metrics } = deps;
  const ffmpegOptions = {
    ffmpegPath: config.ffmpegPath,
    ffprobePath: config.ffprobePath,
    timeoutMs: config.video.probeTimeoutMs,
  };

  /**
   * A/V containers are told apart by their streams: audio-only WebM/MP4 is a voice note, not a video. A video
   * beyond the limits is refused here, before it is stored or queued, from frames counted in the file.
   */
  async function refineAudioVideo(path: string, detected: Detected): Promise<Detected & { durationMs?: number }> {
    if (detected.kind !== "video" && !(detected.kind === "audio" && AV_CONTAINERS.has(detected.mime))) return detected;
    const streams = await probe(path, { ...ffmpegOptions, countFrames: true }).catch((err) => {
      deps.log.info({ err }, "ffprobe could not read an upload");
      return null;
    });
    if (!streams || (!streams.hasVideo && !streams.hasAudio))
      throw unsupportedType("no playable audio or video in this file");
    if (streams.hasVideo) {
      const over = videoOverLimits(streams, config.video);
      if (over) throw videoLimitExceeded(over);
      return { ...detected, kind: "video", durationMs: streams.durationMs };
    }
    const mime = detected.mime === "video/quicktime" ? "audio/mp4" : detected.mime.replace(/^video\//, "audio/");
    if (!config.allowedKinds.includes("audio")) throw unsupportedType("audio uploads are disabled");
    return { ...detected, kind: "audio", mime };
  }

  async function scan(path: string, kind: string) {
    const done = metrics.time("scan", kind);
    try {
      const verdict = await scanner.scanFile(path);
      if (verdict.infected) {
        // clamd's AlertEncrypted: it could not look inside, which is no verdict of clean.
        const encrypted = verdict.signature.startsWith("Heuristics.Encrypted.");
        metrics.scan(encrypted ? "unscannable" : "infected");
        throw encrypted ? unscannable() : infected(verdict.signature);
      }
      metrics.scan("clean");
    } catch (err) {
      if (err instanceof ScannerUnavailableError) {
        metrics.scan("unavailable");
        deps.log.error({ err }, "clamd unavailable: upload refused");
        throw scannerUnavailable();
      }
      throw err;
    } finally {
      done();
    }
  }

  async function pdfPreview(path: string, outBase: string) {
    const done = metrics.time("process", "file");
    try {
      return await renderPdfThumbnail(path, outBase, config.pdfPreview);
    } catch (err) {
      deps.log.info({ err }, "no preview for a PDF");
      return null;
    } finally {
      done();
    }
  }

  /** Uploads the files, then inserts the row; on a failed insert the objects are removed again. */
  async function store(
    objects: { key: string; path: string; mime: string }[],
    kind: string,
    insert: () => Promise<AttachmentRow>,
  ): Promise<AttachmentRow> {
    const done = metrics.time("store", kind);
    try {
      for (const o of objects) await storage.putFile(o.key, o.path, o.mime);
      return await insert();
    } catch (err) {
      await Promise.all(objects.map((o) => storage.remove(o.key).catch(() => {})));
      throw err;
    } finally {
      done();
    }
  }

  return {
    /**
     * The whole pipeline for one file: receive (streamed, limited) → detect → scan (fail closed) → process →
     * store → insert. Only a clean, processed file is ever stored or inserted; temp files always go.
     */
    async accept(file: IncomingFile, who: { userId: string; conversationId: string }): Promise<Attachment> {
      await mkdir(config.tmpDir, { recursive: true });
      const work = await mkdtemp(join(config.tmpDir, "upload-"));
      const id = randomUUID();
      const keys = objectKeys(id);
      const name = cleanName(file.filename);
      const base = { id, conversationId: who.conversationId, uploaderId: who.userId };
      try {
        const original = join(work, "original");
        const doneReceive = metrics.time("receive");
        const received = await receiveToFile(file, original, name, config);
        doneReceive();
        const { size } = received;
        await scan(original, received.detected.kind);
        const detected = await refineAudioVideo(original, received.detected);
        const kind = detected.kind;
        if (size > config.limits[kind]) throw tooLarge(config.limits[kind]); // e.g. audio-only "video"

        if (kind === "image") {
          const doneProcess = metrics.time("process", kind);
          let img: Awaited<ReturnType<typeof processImage>>;
          try {
            img = await processImage(original, join(work, "out"));
          } catch (err) {
            if (!(err instanceof UndecodableImageError)) throw err;
            deps.log.info({ err, mime: detected.mime }, "image not decodable");
            throw unsupportedType(
              detected.mime === "image/heic" || detected.mime === "image/heif"
                ? "HEIC photos cannot be decoded on this server; share them as JPEG (iPhone: Settings → Camera → Formats → Most Compatible)"
                : "the image could not be decoded",
            );
          } finally {
            doneProcess();
          }
          const { main, thumbnail } = img;
          const row = await store(
            [
              { key: keys.media, path: main.path, mime: main.mime },
              { key: keys.thumbnail, path: thumbnail.path, mime: thumbnail.mime },
            ],
            kind,
            async () =>
              attachments.insert({
                ...base,
                kind,
                name: renameExt(name, main.ext),
                mime: main.mime,
                size: main.size,
                width: main.width,
                height: main.height,
                status: "ready",
                objectKey: keys.media,
                thumbnailKey: keys.thumbnail,
              }),
          );
          return toAttachment(row);
        }

        if (kind === "video") {
          // Reply at once; the worker transcodes from the scanned original kept in the bucket.
          const row = await store([{ key: keys.original, path: original, mime: detected.mime }], kind, () =>
            withTransaction(deps.db, async (tx) => {
              const inserted = await attachments.insert(
                {
                  ...base,
                  kind,
                  name,
                  mime: detected.mime,
                  size,
                  status: "processing",
                  objectKey: null,
                  thumbnailKey: null,
                },
                tx,
              );
              const lane = (detected.durationMs ?? 0) / 1000 > config.video.longSeconds ? "long" : "short";
              await deps.jobs.enqueueTranscode({ attachmentId: id, originalKey: keys.original }, lane, tx);
              return inserted;
            }),
          );
          deps.jobs.nudge();
          return toAttachment(row);
        }

        // Audio and other files are stored as they came (scanned); audio gets its duration.
        let durationMs: number | undefined;
        if (kind === "audio")
          durationMs = await probe(original, ffmpegOptions).then(
            (p) => p.durationMs,
            () => undefined,
          );
        // A PDF gets its first page as a thumbnail (of the scanned copy, bounded); a failure only costs the preview.
        const preview = detected.mime === "application/pdf" ? await pdfPreview(original, join(work, "page")) : null;
        const objects = [{ key: keys.media, path: original, mime: detected.mime }];
        if (preview) objects.push({ key: keys.thumbnail, path: preview.path, mime: preview.mime });
        const row = await store(objects, kind, () =>
          attachments.insert({
            ...base,
            kind,
            name,
            mime: detected.mime,
            size,
            durationMs,
            width: preview?.width,
            height: preview?.height,
            status: "ready",
            objectKey: keys.media,
            thumbnailKey: preview ? keys.thumbnail : null,
          }),
        );
        return toAttachment(row);
      } catch (err) {
        // The temp dir's disk is full: say so (507) rather than a bare 500.
        if ((err as NodeJS.ErrnoException).code === "ENOSPC") throw storageFull();
        throw err;
      } finally {
        await rm(work, { recursive: true, force: true });
      }
    },
  };
}

export type Uploads = ReturnType<typeof createUploads>;
