import { randomUUID } from "node:crypto";
import type { FastifyInstance, FastifyServerOptions } from "fastify";

/** `TRUSTED_PROXIES`: comma-separated addresses or CIDR ranges of the reverse proxies in front. */
export const parseTrustedProxies = (value: string): string[] =>
  value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

/**
 * Fastify options both services share behind nginx: the proxy's X-Request-Id (nginx's
 * `$request_id`) becomes the request id of the pino log lines (a fresh UUID without a proxy), and
 * X-Forwarded-For gives the client's address, but only when the connection comes from one of
 * `trustedProxies`: anyone else could write any address there and escape per-address limits.
 */
export function proxiedServerOptions(trustedProxies: readonly string[]) {
  return {
    requestIdHeader: "x-request-id",
    genReqId: () => randomUUID(),
    trustProxy: trustedProxies.length > 0 ? [...trustedProxies] : false,
  } satisfies FastifyServerOptions;
}

/** Echoes the request id on every response, so a user's report, nginx's log and the service's log meet. */
export function echoRequestId(app: FastifyInstance): void {
  app.addHook("onRequest", async (request, reply) => {
    reply.header("x-request-id", request.id);
  });
}

// Query parameters that carry what people typed or secrets: never written to a log.
const REDACTED_PARAMS = new Set(["q", "token", "access_token"]);

/** `url` with the values of search terms and tokens replaced by `[redacted]`. */
export function redactUrl(url: string): string {
  const at = url.indexOf("?");
  if (at < 0) return url;
  const params = new URLSearchParams(url.slice(at + 1));
  let changed = false;
  for (const key of [...params.keys()]) {
    if (REDACTED_PARAMS.has(key)) {
      params.set(key, "[redacted]");
      changed = true;
    }
  }
  return changed ? `${url.slice(0, at)}?${params.toString()}` : url;
}

/** pino options of both services: request lines without search terms or tokens in their URL. */
export function loggerOptions(level: string, stream?: { write(line: string): void }) {
  return {
    level,
    ...(stream ? { stream } : {}),
    serializers: {
      req: (req: { method: string; url: string; ip?: string; hostname?: string }) => ({
        method: req.method,
        url: redactUrl(req.url),
        host: req.hostname,
        remoteAddress: req.ip,
      }),
    },
  };
}
