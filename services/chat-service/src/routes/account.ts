import { ACCESS_COOKIE } from "@messenger/common";
import { ChangePasswordBody, SessionParams, UpdateMeBody } from "@messenger/protocol";
import type { FastifyPluginAsync } from "fastify";
import type { AppDeps } from "../deps.js";
import { parse } from "./validate.js";

/** The signed-in person's own account: profile, password, devices. */
export const accountRoutes: FastifyPluginAsync<{ deps: AppDeps }> = async (app, { deps }) => {
  const { account } = deps;
  app.addHook("preHandler", app.authenticate);

  app.patch("/me", async (request) => account.updateMe(request.user.id, parse(UpdateMeBody, request.body)));

  app.post("/me/password", async (request, reply) => {
    const body = parse(ChangePasswordBody, request.body);
    await account.changePassword(request.user.id, request.user.sessionId, body, request.ip ?? null);
    return reply.status(204).send();
  });

  app.get("/me/sessions", async (request) => account.sessions(request.user.id, request.user.sessionId));

  app.delete("/me/sessions/:id", async (request, reply) => {
    const { id } = parse(SessionParams, request.params);
    await account.endSession(request.user.id, id);
    return reply.status(204).send();
  });

  app.post("/auth/logout-all", async (request, reply) => {
    await account.logoutAll(request.user.id, request.ip ?? null);
    reply.clearCookie(ACCESS_COOKIE, { path: "/" });
    return reply.status(204).send();
  });
};
