import { randomUUID } from "node:crypto";
import type { FastifyInstance, FastifyServerOptions } from "fastify";

/**
 * Fastify options both services share behind nginx: the proxy's X-Request-Id (nginx's
 * `$request_id`) becomes the request id of the pino log lines (a fresh UUID without a proxy), and
 * X-Forwarded-For gives the client's address. Only nginx can reach the services in production.
 */
export const proxiedServerOptions = {
  requestIdHeader: "x-request-id",
  genReqId: () => randomUUID(),
  trustProxy: true,
} satisfies FastifyServerOptions;

/** Echoes the request id on every response, so a user's report, nginx's log and the service's log meet. */
export function echoRequestId(app: FastifyInstance): void {
  app.addHook("onRequest", async (request, reply) => {
    reply.header("x-request-id", request.id);
  });
}
