import multipart from "@fastify/multipart";
import { echoRequestId, installErrorHandlers, proxiedServerOptions } from "@messenger/common";
import Fastify, { type FastifyInstance, type FastifyServerOptions } from "fastify";
import type { Config } from "./config.js";
import { createAvatars } from "./domain/avatars.js";
import { createSweeper } from "./domain/sweep.js";
import { sweepTempDir } from "./domain/temp-files.js";
import { createUploads } from "./domain/uploads.js";
import { createVideoProcessor } from "./domain/videos.js";
import authPlugin from "./plugins/auth.js";
import dbPlugin from "./plugins/db.js";
import jobsPlugin from "./plugins/jobs.js";
import metricsPlugin from "./plugins/metrics.js";
import scannerPlugin from "./plugins/scanner.js";
import storagePlugin from "./plugins/storage.js";
import healthRoutes from "./routes/health.js";
import avatarRoutes from "./routes/media/avatars.js";
import mediaRoutes from "./routes/media/index.js";
import { createAttachmentStore, createMembershipStore } from "./store/attachments.js";

export type { Config } from "./config.js";
export { loadConfig } from "./config.js";

/** The whole media-service; server.ts adds only the logger, listen and shutdown. Tests build it the same way. */
export async function buildApp(
  config: Config,
  opts: { logger?: FastifyServerOptions["logger"] } = {},
): Promise<FastifyInstance> {
  const app = Fastify({
    logger: opts.logger ?? false,
    bodyLimit: 1024 * 1024,
    ...proxiedServerOptions(config.trustedProxies),
  });
  installErrorHandlers(app);
  echoRequestId(app);

  await app.register(dbPlugin, { databaseUrl: config.databaseUrl });
  await app.register(metricsPlugin);
  await app.register(authPlugin, {
    jwtSecret: config.jwtSecret,
    allowedOrigins: config.allowedOrigins,
    sessionCheckMs: config.sessionCheckMs,
  });
  await app.register(scannerPlugin, { target: config.clamd });
  await app.register(storagePlugin, { s3: config.s3, timeoutMs: config.s3.timeoutMs });
  await app.register(jobsPlugin, {
    databaseUrl: config.databaseUrl,
    retryLimit: config.videoRetryLimit,
    jobTimeoutMs: config.video.jobTimeoutMs,
    reclaimAfterSeconds: config.video.reclaimAfterSeconds,
  });
  await app.register(multipart, {
    // Our own per-kind limit stops the stream first; this is the backstop for the largest kind.
    limits: { fileSize: Math.max(...Object.values(config.limits)) + 1, files: 1, fields: 4, fieldSize: 1024, parts: 6 },
  });

  const attachments = createAttachmentStore(app.db);
  const deps = { config, db: app.db, storage: app.storage, attachments, metrics: app.metrics, log: app.log };
  const uploads = createUploads({ ...deps, scanner: app.scanner, jobs: app.jobs });
  if (config.videoWorker) {
    const videos = createVideoProcessor(deps);
    const sweeper = createSweeper({ ...deps, unsentHours: config.unsentTtlHours });
    app.addHook("onReady", async () => {
      await app.jobs.work(
        { run: videos.run, giveUp: videos.giveUp, stop: () => videos.stop(config.shutdownGraceMs) },
        config.videoConcurrency,
      );
      await app.jobs.scheduleSweep(() => sweeper.sweep());
    });
  }

  // Temp files are per instance (unlike the bucket sweep, which runs on one): at start, then every 10 min.
  const sweepTemp = () =>
    sweepTempDir(config.tmpDir, config.tmpStaleMs).then(
      (removed) => removed.length && app.log.warn({ removed }, "removed work files of crashed uploads/transcodes"),
      (err) => app.log.warn({ err }, "temp dir sweep failed"),
    );
  let tempSweepTimer: NodeJS.Timeout | undefined;
  app.addHook("onReady", async () => {
    await sweepTemp();
    tempSweepTimer = setInterval(sweepTemp, 10 * 60_000).unref();
  });
  app.addHook("onClose", async () => clearInterval(tempSweepTimer));

  await app.register(healthRoutes, { timeoutMs: config.readyzTimeoutMs });
  await app.register(avatarRoutes, { avatars: createAvatars({ ...deps, scan: uploads.scan }) });
  await app.register(mediaRoutes, { config, uploads, attachments, members: createMembershipStore(app.db) });
  return app;
}
