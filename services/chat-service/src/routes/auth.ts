import { ACCESS_COOKIE, ACCESS_TOKEN_TTL_SECONDS } from "@messenger/common";
import { LoginBody, LogoutBody, RefreshBody, RegisterBody } from "@messenger/protocol";
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { type RateLimiterAbstract, RateLimiterMemory } from "rate-limiter-flexible";
import type { AppDeps } from "../deps.js";
import { createAuthService } from "../domain/auth.js";
import { rateLimited } from "../errors.js";
import { parse } from "./validate.js";

export interface AuthRouteOptions {
  deps: AppDeps;
  /** Shared limiters (Redis-backed when several instances run); default to in-memory. */
  loginLimiters?: { perUser: RateLimiterAbstract; perIp: RateLimiterAbstract };
}

export const authRoutes: FastifyPluginAsync<AuthRouteOptions> = async (app, { deps, loginLimiters }) => {
  const auth = createAuthService(deps);
  const perMinute = deps.config.LOGIN_ATTEMPTS_PER_MINUTE;
  const limiters = loginLimiters ?? {
    perUser: new RateLimiterMemory({ points: perMinute, duration: 60 }),
    // An office behind one NAT address shares this budget, hence the larger allowance.
    perIp: new RateLimiterMemory({ points: perMinute * 10, duration: 60 }),
  };

  // The access token also rides in an httpOnly cookie so `<img src="/api/media/…">` is authenticated.
  const setAccessCookie = (reply: FastifyReply, token: string) =>
    reply.setCookie(ACCESS_COOKIE, token, {
      httpOnly: true,
      sameSite: "lax",
      path: "/",
      maxAge: ACCESS_TOKEN_TTL_SECONDS,
      secure: deps.config.COOKIE_SECURE,
    });

  app.post("/auth/register", async (request, reply) => {
    const body = parse(RegisterBody, request.body);
    const res = await auth.register(body);
    setAccessCookie(reply, res.accessToken);
    return reply.status(201).send(res);
  });

  app.post("/auth/login", async (request: FastifyRequest, reply) => {
    const body = parse(LoginBody, request.body);
    // Per account and per address: guessing one password or spraying many accounts both hit a wall.
    try {
      await Promise.all([
        limiters.perUser.consume(`login:user:${body.username.toLowerCase()}`),
        limiters.perIp.consume(`login:ip:${request.ip}`),
      ]);
    } catch (err) {
      if (err instanceof Error) throw err;
      throw rateLimited("too many login attempts, try again in a minute");
    }
    const res = await auth.login(body);
    setAccessCookie(reply, res.accessToken);
    return res;
  });

  app.post("/auth/refresh", async (request, reply) => {
    const { refreshToken } = parse(RefreshBody, request.body);
    const tokens = await auth.refresh(refreshToken);
    setAccessCookie(reply, tokens.accessToken);
    return tokens;
  });

  app.post("/auth/logout", async (request, reply) => {
    const { refreshToken } = parse(LogoutBody, request.body);
    await auth.logout(refreshToken);
    reply.clearCookie(ACCESS_COOKIE, { path: "/" });
    return reply.status(204).send();
  });
};
