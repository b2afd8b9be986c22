import type { FastifyPluginAsync } from "fastify";
import type { AppDeps } from "../deps.js";

export const healthRoutes: FastifyPluginAsync<{ deps: AppDeps }> = async (app, { deps }) => {
  // Liveness: the process answers.
  app.get("/healthz", async () => ({ status: "ok" }));

  // Readiness: the database answers too.
  app.get("/readyz", async (_request, reply) => {
    try {
      await deps.db.query("SELECT 1");
      return { status: "ok" };
    } catch (err) {
      _request.log.warn({ err }, "database unreachable");
      return reply.status(503).send({ error: { code: "internal", message: "database unreachable" } });
    }
  });

  app.get("/metrics", async (_request, reply) => {
    reply.type(deps.metrics.registry.contentType);
    return deps.metrics.registry.metrics();
  });
};
