import type { FastifyPluginAsync } from "fastify";
import type { AppDeps } from "../deps.js";
import type { RedisInfra } from "../plugins/redis.js";

/** How long readiness waits for each dependency before calling it down. */
const READY_TIMEOUT_MS = 2000;

export const healthRoutes: FastifyPluginAsync<{ deps: AppDeps; redis?: Pick<RedisInfra, "ping"> | undefined }> = async (
  app,
  { deps, redis },
) => {
  // Liveness: the process answers.
  app.get("/healthz", async () => ({ status: "ok" }));

  // Readiness: every dependency this instance uses answers (the database; Redis when configured).
  app.get("/readyz", async (request, reply) => {
    const [db, redisUp] = await Promise.all([
      deps.db.query("SELECT 1").then(
        () => true,
        (err) => {
          request.log.warn({ err }, "readiness: database unreachable");
          return false;
        },
      ),
      redis ? redis.ping(READY_TIMEOUT_MS) : Promise.resolve(undefined),
    ]);
    const down = [!db && "database", redisUp === false && "redis"].filter(Boolean);
    if (down.length === 0) return { status: "ok", database: true, ...(redis ? { redis: true } : {}) };
    request.log.warn({ down }, "not ready");
    return reply.status(503).send({ error: { code: "internal", message: `${down.join(" and ")} unreachable` } });
  });

  app.get("/metrics", async (_request, reply) => {
    reply.type(deps.metrics.registry.contentType);
    return deps.metrics.registry.metrics();
  });
};
