import { ConversationParams, MeetingJoinBody } from "@messenger/protocol";
import type { FastifyPluginAsync } from "fastify";
import type { AppDeps } from "../deps.js";
import { parse } from "./validate.js";

/** GET: the group's running meeting (or null). POST: start it or join it (mesh or Jitsi). */
export const meetingRoutes: FastifyPluginAsync<{ deps: AppDeps }> = async (app, { deps }) => {
  const { meetings } = deps;
  app.addHook("preHandler", app.authenticate);

  app.post("/conversations/:id/meeting", async (request, reply) => {
    const { id } = parse(ConversationParams, request.params);
    const body = parse(MeetingJoinBody, request.body ?? {});
    const { response, started } = await meetings.join(request.user.id, id, body.socketId);
    return reply.status(started ? 201 : 200).send(response);
  });

  app.get("/conversations/:id/meeting", async (request) => {
    const { id } = parse(ConversationParams, request.params);
    return meetings.state(request.user.id, id);
  });
};
