import { ACCESS_COOKIE, ACCESS_TOKEN_TTL_SECONDS } from "@messenger/common";
import { LoginBody, LogoutBody, RefreshBody, RegisterBody } from "@messenger/protocol";
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import type { RateLimiterAbstract } from "rate-limiter-flexible";
import type { AppDeps } from "../deps.js";
import type { AuthService, Device } from "../domain/auth.js";
import { AppError } from "../errors.js";
import { isSpent, spend } from "../limits.js";
import { parse } from "./validate.js";

export interface AuthRouteOptions {
  deps: AppDeps;
}

export const authRoutes: FastifyPluginAsync<AuthRouteOptions> = async (app, { deps }) => {
  const { auth, limits, metrics } = deps;

  // The access token also rides in an httpOnly cookie so `<img src="/api/media/…">` is authenticated.
  const setAccessCookie = (reply: FastifyReply, token: string) =>
    reply.setCookie(ACCESS_COOKIE, token, {
      httpOnly: true,
      sameSite: "lax",
      path: "/",
      maxAge: ACCESS_TOKEN_TTL_SECONDS,
      secure: deps.config.COOKIE_SECURE,
    });

  // Audited: every refusal is a warning with who and from where, and a counter on /metrics.
  const guard = async (request: FastifyRequest, limit: string, limiter: RateLimiterAbstract, key: string) => {
    try {
      await spend(limiter, key, "too many login attempts, try again later");
    } catch (err) {
      if (err instanceof AppError && err.code === "rate_limited") {
        metrics.loginLockouts.inc({ limit });
        request.log.warn({ audit: "login_refused", limit, key, ip: request.ip }, "login attempt refused by a limit");
      }
      throw err;
    }
  };

  const deviceOf = (request: FastifyRequest): Device => ({
    userAgent: request.headers["user-agent"] ?? null,
    ip: request.ip ?? null,
  });

  /**
   * Guessing one account from one address, or many accounts from one address, hits a wall; a
   * guesser spread over many addresses makes the account "under attack", after which every
   * address gets only a few tries for it. None of this blocks the owner's correct password from
   * an address of their own, so nobody can lock anyone else out.
   */
  const login = async (request: FastifyRequest, body: LoginBody): ReturnType<AuthService["login"]> => {
    const username = body.username.toLowerCase();
    const userAddress = `${username}|${request.ip}`;
    await guard(request, "user-address", limits.login.perUserAddress, userAddress);
    await guard(request, "address", limits.login.perAddress, request.ip);
    if (await isSpent(limits.login.failuresPerUser, username))
      await guard(request, "under-attack", limits.login.underAttack, userAddress);
    try {
      return await auth.login(body, deviceOf(request));
    } catch (err) {
      if (err instanceof AppError && err.code === "invalid_credentials")
        await limits.login.failuresPerUser
          .penalty(username)
          .catch((e: unknown) => request.log.warn({ err: e }, "could not count a failed login"));
      throw err;
    }
  };

  // What the login page offers (no sign-in needed).
  app.get("/auth/options", async () => deps.workspace.authOptions());

  app.post("/auth/register", async (request, reply) => {
    const body = parse(RegisterBody, request.body);
    // Counted only for requests that would create an account (not for a refused weak password).
    const res = await auth.register(body, deviceOf(request), () =>
      spend(limits.registerPerAddress, request.ip, "too many accounts registered from your address, try later"),
    );
    setAccessCookie(reply, res.accessToken);
    return reply.status(201).send(res);
  });

  app.post("/auth/login", async (request, reply) => {
    const res = await login(request, parse(LoginBody, request.body));
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
