import type { Queryable } from "@messenger/common";
import fp from "fastify-plugin";
import PgBoss from "pg-boss";

export const TRANSCODE_QUEUE = "media-transcode";
/** Videos longer than VIDEO_LONG_SECONDS: a lane of their own, so a long transcode never holds up a short clip. */
export const LONG_TRANSCODE_QUEUE = "media-transcode-long";
const TRANSCODE_QUEUES = [TRANSCODE_QUEUE, LONG_TRANSCODE_QUEUE];
export const SWEEP_QUEUE = "media-sweep";
/** pg-boss moves a transcode job here once it has failed for good (retries used up, or expired). */
export const TRANSCODE_DEAD_QUEUE = "media-transcode-dead";
/** Namespace of the advisory locks a worker holds on the jobs it runs (the other key is the job id's hash). */
const JOB_LOCK_NAMESPACE = 0x6d656469; // "medi"

export interface TranscodeJob {
  attachmentId: string;
  /** Where the scanned original waits in the bucket until the worker has transcoded it. */
  originalKey: string;
}

export interface TranscodeWorker {
  run(job: TranscodeJob, attempt: { final: boolean }): Promise<void>;
  /**
   * A job pg-boss gave up on without `run` finishing it (a worker that died on its last attempt), so its
   * attachment does not stay `processing`.
   */
  giveUp(job: TranscodeJob): Promise<void>;
  /** Called at close, once no new job is taken: ends (or lets finish) the running ones. */
  stop(): Promise<void>;
}

export interface Jobs {
  boss: PgBoss;
  /** Enqueues inside the caller's transaction: the row and its job commit (or roll back) together. */
  enqueueTranscode(job: TranscodeJob, lane: "short" | "long", tx: Queryable): Promise<void>;
  /** Wakes the local worker (if any) instead of waiting for its next poll. */
  nudge(): void;
  /** Runs transcode jobs until the service closes: `concurrency` at a time in the short lane, one in the long. */
  work(worker: TranscodeWorker, concurrency: number): Promise<void>;
  /** Hands back active transcode jobs whose worker is gone (its database session, hence its lock, ended). */
  reclaimOrphans(): Promise<number>;
  /** Runs `sweep` every 10 minutes on one instance at a time (pg-boss cron + a singleton queue). */
  scheduleSweep(sweep: () => Promise<unknown>): Promise<void>;
}

declare module "fastify" {
  interface FastifyInstance {
    jobs: Jobs;
  }
}

export interface JobsOptions {
  databaseUrl: string;
  retryLimit: number;
  /** A job's own wall clock: pg-boss's expiry is only a backstop behind it. */
  jobTimeoutMs: number;
  /** An active job with no live worker is handed back once it is this old; also how often that is checked. */
  reclaimAfterSeconds: number;
}

export default fp(
  async (app, opts: JobsOptions) => {
    // pg-boss keeps its tables in its own `pgboss` schema of the same database.
    const boss = new PgBoss({ connectionString: opts.databaseUrl, max: 4 });
    boss.on("error", (err) => app.log.error({ err }, "pg-boss error"));
    await boss.start();
    await boss.createQueue(TRANSCODE_DEAD_QUEUE, { name: TRANSCODE_DEAD_QUEUE });
    for (const name of TRANSCODE_QUEUES) {
      const queue = {
        name,
        retryDelay: 5,
        // A dead worker's job is handed back by reclaimOrphans within a minute; this only catches what that misses.
        expireInSeconds: Math.ceil(opts.jobTimeoutMs / 1000) + 5 * 60,
        deadLetter: TRANSCODE_DEAD_QUEUE,
      };
      await boss.createQueue(name, queue);
      await boss.updateQueue(name, queue); // a queue created by an older version keeps its options otherwise
    }
    await boss.createQueue(SWEEP_QUEUE, { name: SWEEP_QUEUE, policy: "singleton" });
    const workerIds: string[] = [];
    let reclaimTimer: NodeJS.Timeout | undefined;
    let transcodeWorker: TranscodeWorker | undefined;

    /**
     * Runs `fn` holding the job's session advisory lock, waiting for it, or (`tryOnly`) not at all when it is
     * held: then false. The lock lives and dies with the connection (a worker that dies lets go of it), so a
     * connection that could not unlock is destroyed rather than returned to the pool still holding it.
     */
    async function withJobLock(jobId: string, tryOnly: boolean, fn: () => Promise<void>): Promise<boolean> {
      const client = await app.db.connect();
      const key = [JOB_LOCK_NAMESPACE, jobId];
      let broken: Error | undefined;
      try {
        const { rows } = await client.query<{ locked: boolean }>(
          tryOnly
            ? "SELECT pg_try_advisory_lock($1, hashtext($2)) AS locked"
            : "SELECT pg_advisory_lock($1, hashtext($2)) IS NOT NULL AS locked",
          key,
        );
        if (!rows[0]?.locked) return false;
        try {
          await fn();
        } finally {
          await client.query("SELECT pg_advisory_unlock($1, hashtext($2))", key).catch((err: Error) => {
            broken = err;
          });
        }
        return true;
      } catch (err) {
        broken ??= err as Error;
        throw err;
      } finally {
        client.release(broken);
      }
    }
    const jobs: Jobs = {
      boss,
      async enqueueTranscode(job, lane, tx) {
        await boss.send(lane === "long" ? LONG_TRANSCODE_QUEUE : TRANSCODE_QUEUE, job, {
          retryLimit: opts.retryLimit,
          deadLetter: TRANSCODE_DEAD_QUEUE,
          db: { executeSql: (text, values) => tx.query(text, values) },
        });
      },
      nudge() {
        for (const id of workerIds) boss.notifyWorker(id);
      },
      async work(worker, concurrency) {
        transcodeWorker = worker;
        const lanes = [
          { queue: TRANSCODE_QUEUE, workers: concurrency },
          { queue: LONG_TRANSCODE_QUEUE, workers: 1 },
        ];
        for (const { queue, workers } of lanes) {
          for (let i = 0; i < workers; i++) {
            workerIds.push(
              await boss.work<TranscodeJob>(
                queue,
                { batchSize: 1, includeMetadata: true, pollingIntervalSeconds: 2 },
                async ([job]) => {
                  if (!job) return;
                  const final = job.retryCount >= job.retryLimit;
                  await withJobLock(job.id, false, () => worker.run(job.data, { final }));
                },
              ),
            );
          }
        }
        await boss.work<TranscodeJob>(TRANSCODE_DEAD_QUEUE, { pollingIntervalSeconds: 2 }, async ([job]) => {
          if (job) await worker.giveUp(job.data);
        });
        await jobs.reclaimOrphans();
        reclaimTimer = setInterval(() => {
          jobs.reclaimOrphans().catch((err) => app.log.warn({ err }, "reclaiming orphaned transcode jobs failed"));
        }, opts.reclaimAfterSeconds * 1000);
        reclaimTimer.unref();
      },
      async reclaimOrphans() {
        // pg-boss records no worker identity; a live worker holds the job's advisory lock (withJobLock).
        // The age check covers the moment between pg-boss handing out a job and its worker taking the lock.
        const { rows } = await app.db.query<{ id: string; name: string }>(
          `SELECT id, name FROM pgboss.job
            WHERE name = ANY($1) AND state = 'active' AND started_on < now() - make_interval(secs => $2)`,
          [TRANSCODE_QUEUES, opts.reclaimAfterSeconds],
        );
        let reclaimed = 0;
        for (const { id, name } of rows) {
          // The lock is free only if no live worker holds it: then the job is its dead worker's.
          const orphan = await withJobLock(id, true, () =>
            boss.fail(name, id, { message: "its worker died; handed back" }),
          );
          if (orphan) reclaimed++;
        }
        if (reclaimed) app.log.warn({ reclaimed }, "handed back transcode jobs of a worker that died");
        return reclaimed;
      },
      async scheduleSweep(sweep) {
        await boss.schedule(SWEEP_QUEUE, "*/10 * * * *");
        await boss.work(SWEEP_QUEUE, { pollingIntervalSeconds: 60 }, async () => {
          await sweep();
        });
      },
    };
    app.decorate("jobs", jobs);
    app.addHook("onClose", async () => {
      clearInterval(reclaimTimer);
      if (transcodeWorker) {
        for (const name of TRANSCODE_QUEUES) await boss.offWork(name);
        await transcodeWorker.stop(); // no ffmpeg may outlive the process: it would go on encoding, orphaned
      }
      // Transcodes have ended above; this lets a running sweep finish (an unfinished one runs again later).
      await boss.stop({ graceful: true, wait: true, timeout: 30_000 });
    });
  },
  { name: "jobs", dependencies: ["db"] },
);
