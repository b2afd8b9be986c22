import { ConversationParams } from "@messenger/protocol";
import type { FastifyPluginAsync } from "fastify";
import type { AppDeps } from "../deps.js";
import { parse } from "./validate.js";

/** POST starts (or joins) the group's Jitsi meeting; GET gets one's own token for the running one. */
export const meetingRoutes: FastifyPluginAsync<{ deps: AppDeps }> = async (app, { deps }) => {
  const { meetings } = deps;
  app.addHook("preHandler", app.authenticate);

  app.post("/conversations/:id/meeting", async (request, reply) => {
    const { id } = parse(ConversationParams, request.params);
    const { meeting, started } = await meetings.start(request.user.id, id);
    return reply.status(started ? 201 : 200).send(meeting);
  });

  app.get("/conversations/:id/meeting", async (request) => {
    const { id } = parse(ConversationParams, request.params);
    return meetings.join(request.user.id, id);
  });
};
