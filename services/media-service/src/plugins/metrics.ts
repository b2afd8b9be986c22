import fp from "fastify-plugin";
import { Counter, collectDefaultMetrics, Histogram, Registry } from "prom-client";

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const stageSeconds = new Histogram({
    name: "media_upload_stage_seconds",
    help: "Duration of each upload pipeline stage (receive, scan, process, store, transcode)",
    labelNames: ["stage", "kind"] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 180],
    registers: [registry],
  });
  const scans = new Counter({
    name: "media_scan_results_total",
    help: "clamd verdicts: clean, infected, or unavailable (upload refused, fail closed)",
    labelNames: ["result"] as const,
    registers: [registry],
  });
  const uploads = new Counter({
    name: "media_uploads_total",
    help: "Upload outcomes by error code (or accepted)",
    labelNames: ["outcome"] as const,
    registers: [registry],
  });
  const videos = new Counter({
    name: "media_videos_total",
    help: "Finished video jobs: ready or failed",
    labelNames: ["status"] as const,
    registers: [registry],
  });
  return {
    registry,
    /** Starts a stage timer; call the returned function when the stage ends. */
    time: (stage: string, kind = "unknown") => stageSeconds.startTimer({ stage, kind }),
    scan: (result: "clean" | "infected" | "unscannable" | "unavailable") => scans.inc({ result }),
    upload: (outcome: string) => uploads.inc({ outcome }),
    video: (status: "ready" | "failed") => videos.inc({ status }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

declare module "fastify" {
  interface FastifyInstance {
    metrics: Metrics;
  }
}

export default fp(
  async (app) => {
    const metrics = createMetrics();
    app.decorate("metrics", metrics);
    app.get("/metrics", async (_request, reply) => {
      reply.header("content-type", metrics.registry.contentType);
      return metrics.registry.metrics();
    });
  },
  { name: "metrics" },
);
