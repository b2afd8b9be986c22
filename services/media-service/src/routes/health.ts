import type { FastifyInstance } from "fastify";

/** `check` settled within `ms`: true if it answered yes, false if it failed, said no or did not answer in time. */
function answersWithin(check: () => Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const answer = check().then(
    (ok) => ok !== false,
    () => false,
  );
  return Promise.race([answer, late]).finally(() => clearTimeout(timer));
}

/**
 * Liveness (the process answers) and readiness (database, clamd and the bucket all answer, each within
 * `timeoutMs`: a hung dependency makes /readyz answer 503 in time instead of hanging it).
 */
export default async function healthRoutes(app: FastifyInstance, opts: { timeoutMs: number }) {
  app.get("/healthz", async () => ({ ok: true }));
  app.get("/readyz", async (_request, reply) => {
    const [db, clamd, s3] = await Promise.all([
      answersWithin(() => app.db.query("SELECT 1"), opts.timeoutMs),
      answersWithin(() => app.scanner.ping(), opts.timeoutMs),
      answersWithin(() => app.storage.ping(), opts.timeoutMs),
    ]);
    const ok = db && clamd && s3;
    return reply.status(ok ? 200 : 503).send({ ok, db, clamd, s3 });
  });
}
