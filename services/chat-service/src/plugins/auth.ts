import type { SessionGate } from "@messenger/common";
import type { FastifyReply, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import { unauthorized } from "../errors.js";

export interface AuthUser {
  id: string;
  username: string;
  /** The sign-in (device) the token belongs to, when it names one. */
  sessionId?: string;
}

declare module "fastify" {
  interface FastifyRequest {
    /** Set by `app.authenticate`; only read it in routes that use that preHandler. */
    user: AuthUser;
  }
  interface FastifyInstance {
    /** preHandler: `Authorization: Bearer <accessToken>` → `request.user`, else 401. */
    authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  }
}

/**
 * Chat REST takes the access token from the Authorization header only; the cookie
 * exists for media `<img src>` (media-service), and ignoring it here keeps
 * state-changing chat endpoints out of reach of cross-site requests.
 */
export const authPlugin = fp<{ sessions: SessionGate }>(
  async (app, { sessions }) => {
    app.decorateRequest("user", null as unknown as AuthUser);
    app.decorate("authenticate", async (request: FastifyRequest) => {
      const header = request.headers.authorization;
      const token = header?.startsWith("Bearer ") ? header.slice(7).trim() : undefined;
      const claims = await sessions.verify(token);
      // A valid signature is not enough: the session may have been ended or the user deactivated or deleted.
      if (!claims) throw unauthorized();
      request.user = {
        id: claims.userId,
        username: claims.username,
        ...(claims.sessionId ? { sessionId: claims.sessionId } : {}),
      };
    });
  },
  { name: "chat-auth" },
);
