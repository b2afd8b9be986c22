import { RootParams, ThreadParams, ThreadQuery } from "@messenger/protocol";
import type { FastifyPluginAsync } from "fastify";
import type { AppDeps } from "../deps.js";
import { parse } from "./validate.js";

/** Threads: a thread's replies page by page, the threads I follow, reading and (un)following one. */
export const threadRoutes: FastifyPluginAsync<{ deps: AppDeps }> = async (app, { deps }) => {
  const { threads } = deps;
  app.addHook("preHandler", app.authenticate);

  app.get("/conversations/:id/threads/:rootId", async (request) => {
    const { id, rootId } = parse(ThreadParams, request.params);
    return threads.page(request.user.id, id, rootId, parse(ThreadQuery, request.query));
  });

  app.get("/threads", async (request) => threads.list(request.user.id));

  app.put("/threads/:rootId/read", async (request) => {
    const { rootId } = parse(RootParams, request.params);
    return threads.markRead(request.user.id, rootId);
  });

  app.put("/threads/:rootId/follow", async (request, reply) => {
    const { rootId } = parse(RootParams, request.params);
    await threads.follow(request.user.id, rootId, true);
    return reply.status(204).send();
  });

  app.delete("/threads/:rootId/follow", async (request, reply) => {
    const { rootId } = parse(RootParams, request.params);
    await threads.follow(request.user.id, rootId, false);
    return reply.status(204).send();
  });
};
