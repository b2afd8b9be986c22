import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import type { AppDeps } from "../deps.js";
import { OIDC_FLOW_COOKIE } from "../domain/oidc.js";
import { AppError } from "../errors.js";
import { setAccessTokenCookie } from "./auth.js";
import { publicUrlOf } from "./public-url.js";

const FLOW_PATH = "/api/auth/oidc";

/**
 * `GET /api/auth/oidc/start` sends the browser to the company's provider; `GET /api/auth/oidc/callback`
 * finishes there and returns to the app with the session's refresh token in the URL fragment (never
 * sent to a server; the app takes it and clears it), or with `?oidc_error=<code>`.
 */
export const oidcRoutes: FastifyPluginAsync<{ deps: AppDeps }> = async (app, { deps }) => {
  const { oidc, config } = deps;
  const redirectUri = (request: FastifyRequest) => `${publicUrlOf(config, request)}${FLOW_PATH}/callback`;

  app.get("/auth/oidc/start", async (request, reply) => {
    const { url, cookie } = await oidc.start(redirectUri(request));
    reply.setCookie(OIDC_FLOW_COOKIE, cookie, {
      httpOnly: true,
      // The provider's redirect back is a top-level GET: "lax" sends the cookie with it.
      sameSite: "lax",
      path: FLOW_PATH,
      maxAge: 600,
      secure: config.COOKIE_SECURE,
    });
    return reply.redirect(url, 302);
  });

  app.get("/auth/oidc/callback", async (request, reply) => {
    const home = publicUrlOf(config, request);
    reply.clearCookie(OIDC_FLOW_COOKIE, { path: FLOW_PATH });
    try {
      const current = new URL(request.url, home);
      const res = await oidc.callback(current, request.cookies[OIDC_FLOW_COOKIE], {
        userAgent: request.headers["user-agent"] ?? null,
        ip: request.ip ?? null,
      });
      setAccessTokenCookie(reply, res.accessToken, config);
      return reply
        .header("cache-control", "no-store")
        .redirect(`${home}/#oidc=${encodeURIComponent(res.refreshToken)}`, 302);
    } catch (err) {
      const code = err instanceof AppError ? err.code : "oidc_failed";
      if (!(err instanceof AppError)) request.log.error({ err }, "company sign-in failed");
      return reply.redirect(`${home}/?oidc_error=${encodeURIComponent(code)}`, 302);
    }
  });
};
