import { ConversationParams, MessageIdParams } from "@messenger/protocol";
import type { FastifyPluginAsync } from "fastify";
import type { AppDeps } from "../deps.js";
import { parse } from "./validate.js";

/** Pinning (shared with the conversation) and saving (private) one message; my saved items. */
export const pinRoutes: FastifyPluginAsync<{ deps: AppDeps }> = async (app, { deps }) => {
  const { pins } = deps;
  app.addHook("preHandler", app.authenticate);

  for (const on of [true, false]) {
    const method = on ? "put" : "delete";
    app[method]("/messages/:id/pin", async (request) => {
      const { id } = parse(MessageIdParams, request.params);
      return { message: await pins.setPinned(request.user.id, id, on) };
    });
    app[method]("/messages/:id/save", async (request) => {
      const { id } = parse(MessageIdParams, request.params);
      return { message: await pins.setSaved(request.user.id, id, on) };
    });
  }

  app.get("/conversations/:id/pins", async (request) => {
    const { id } = parse(ConversationParams, request.params);
    return pins.pinned(request.user.id, id);
  });

  app.get("/saved", async (request) => pins.saved(request.user.id));
};
