import { type AccessClaims, tokenFromRequest, verifyAccessToken } from "@messenger/common";
import type { FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import { unauthorized } from "../errors.js";

declare module "fastify" {
  interface FastifyInstance {
    /** The signed-in user (Bearer header or chat-service's httpOnly cookie, so `<img src>` works), or 401. */
    requireUser(request: FastifyRequest): Promise<AccessClaims>;
  }
}

export default fp(
  async (app, opts: { jwtSecret: string }) => {
    app.decorate("requireUser", async (request: FastifyRequest) => {
      const claims = await verifyAccessToken(opts.jwtSecret, tokenFromRequest(request.headers));
      if (!claims) throw unauthorized();
      return claims;
    });
  },
  { name: "auth" },
);
