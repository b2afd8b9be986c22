import { type AccessClaims, createSessionGate, tokenFromRequest } from "@messenger/common";
import type { FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import { originNotAllowed, unauthorized } from "../errors.js";

declare module "fastify" {
  interface FastifyInstance {
    /** The signed-in user (Bearer header or chat-service's httpOnly cookie, so `<img src>` works), or 401. */
    requireUser(request: FastifyRequest): Promise<AccessClaims>;
  }
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * The cookie is sent by the browser whatever page makes the request, so a state-changing request signed in
 * by the cookie alone must name an allowed Origin: the service's own public origin (Host / X-Forwarded-Host
 * behind the proxy) or one of `allowedOrigins`. A Bearer token cannot be sent by a foreign page: unaffected.
 */
function crossSiteCookieRequest(request: FastifyRequest, allowedOrigins: ReadonlySet<string>): boolean {
  if (SAFE_METHODS.has(request.method)) return false;
  if (request.headers.authorization?.startsWith("Bearer ")) return false;
  const origin = request.headers.origin;
  if (!origin) return true;
  return origin !== `${request.protocol}://${request.host}` && !allowedOrigins.has(origin);
}

export default fp(
  async (app, opts: { jwtSecret: string; allowedOrigins: string[]; sessionCheckMs: number }) => {
    const allowed = new Set(opts.allowedOrigins);
    // The same rule as chat-service: a signed token is not enough once its session has ended or its
    // user was deactivated or deleted (cached for sessionCheckMs).
    const sessions = createSessionGate(app.db, { secret: opts.jwtSecret, cacheMs: opts.sessionCheckMs });
    app.decorate("requireUser", async (request: FastifyRequest) => {
      const claims = await sessions.verify(tokenFromRequest(request.headers));
      if (!claims) throw unauthorized();
      if (crossSiteCookieRequest(request, allowed)) throw originNotAllowed();
      return claims;
    });
  },
  { name: "auth", dependencies: ["db"] },
);
