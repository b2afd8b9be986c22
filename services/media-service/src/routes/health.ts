import type { FastifyInstance } from "fastify";

/** Liveness (the process answers) and readiness (database, clamd and the bucket all answer). */
export default async function healthRoutes(app: FastifyInstance) {
  app.get("/healthz", async () => ({ ok: true }));
  app.get("/readyz", async (_request, reply) => {
    const [db, clamd, s3] = await Promise.all([
      app.db.query("SELECT 1").then(
        () => true,
        () => false,
      ),
      app.scanner.ping(),
      app.storage.ping(),
    ]);
    const ok = db && clamd && s3;
    return reply.status(ok ? 200 : 503).send({ ok, db, clamd, s3 });
  });
}
