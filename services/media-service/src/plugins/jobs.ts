import type { Queryable } from "@messenger/common";
import fp from "fastify-plugin";
import PgBoss from "pg-boss";

export const TRANSCODE_QUEUE = "media-transcode";
export const SWEEP_QUEUE = "media-sweep";

export interface TranscodeJob {
  attachmentId: string;
  /** Where the scanned original waits in the bucket until the worker has transcoded it. */
  originalKey: string;
}

export interface Jobs {
  boss: PgBoss;
  /** Enqueues inside the caller's transaction: the row and its job commit (or roll back) together. */
  enqueueTranscode(job: TranscodeJob, tx: Queryable): Promise<void>;
  /** Wakes the local worker (if any) instead of waiting for its next poll. */
  nudge(): void;
  work(handler: (job: TranscodeJob, attempt: { final: boolean }) => Promise<void>, concurrency: number): Promise<void>;
  /** Runs `sweep` every 10 minutes on one instance at a time (pg-boss cron + a singleton queue). */
  scheduleSweep(sweep: () => Promise<unknown>): Promise<void>;
}

declare module "fastify" {
  interface FastifyInstance {
    jobs: Jobs;
  }
}

export default fp(
  async (app, opts: { databaseUrl: string; retryLimit: number }) => {
    // pg-boss keeps its tables in its own `pgboss` schema of the same database.
    const boss = new PgBoss({ connectionString: opts.databaseUrl, max: 4 });
    boss.on("error", (err) => app.log.error({ err }, "pg-boss error"));
    await boss.start();
    await boss.createQueue(TRANSCODE_QUEUE, {
      name: TRANSCODE_QUEUE,
      retryDelay: 5,
      expireInSeconds: 60 * 60, // a worker that died mid-job hands it back after this
    });
    await boss.createQueue(SWEEP_QUEUE, { name: SWEEP_QUEUE, policy: "singleton" });
    const workerIds: string[] = [];
    const jobs: Jobs = {
      boss,
      async enqueueTranscode(job, tx) {
        await boss.send(TRANSCODE_QUEUE, job, {
          retryLimit: opts.retryLimit, // per job: a queue's options are fixed when it is first created
          db: { executeSql: (text, values) => tx.query(text, values) },
        });
      },
      nudge() {
        for (const id of workerIds) boss.notifyWorker(id);
      },
      async work(handler, concurrency) {
        for (let i = 0; i < concurrency; i++) {
          workerIds.push(
            await boss.work<TranscodeJob>(
              TRANSCODE_QUEUE,
              { batchSize: 1, includeMetadata: true, pollingIntervalSeconds: 2 },
              async ([job]) => {
                if (job) await handler(job.data, { final: job.retryCount >= job.retryLimit });
              },
            ),
          );
        }
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
      // Lets a running transcode finish (up to the timeout); an unfinished one is retried by pg-boss later.
      await boss.stop({ graceful: true, wait: true, timeout: 30_000 });
    });
  },
  { name: "jobs" },
);
