import {
  ChannelsQuery,
  ConversationInviteParams,
  ConversationParams,
  CreateInviteBody,
  InviteCodeParams,
  MentionsQuery,
  NotificationsBody,
  UpdateConversationBody,
} from "@messenger/protocol";
import type { FastifyPluginAsync } from "fastify";
import type { AppDeps } from "../deps.js";
import { parse } from "./validate.js";

/** Channels: browse, join, an admin's changes, invite links, mentions and notification settings. */
export const channelRoutes: FastifyPluginAsync<{ deps: AppDeps }> = async (app, { deps }) => {
  const { channels, channelInvites: invites, mentions } = deps;
  app.addHook("preHandler", app.authenticate);

  app.get("/channels", async (request) => channels.browse(request.user.id, parse(ChannelsQuery, request.query)));

  app.post("/conversations/:id/join", async (request) => {
    const { id } = parse(ConversationParams, request.params);
    return { conversation: await channels.join(id, request.user.id) };
  });

  app.patch("/conversations/:id", async (request) => {
    const { id } = parse(ConversationParams, request.params);
    const body = parse(UpdateConversationBody, request.body);
    return { conversation: await channels.update(id, request.user.id, body) };
  });

  app.put("/conversations/:id/notifications", async (request) => {
    const { id } = parse(ConversationParams, request.params);
    const body = parse(NotificationsBody, request.body);
    return { conversation: await channels.setNotifications(id, request.user.id, body) };
  });

  app.post("/conversations/:id/invites", async (request, reply) => {
    const { id } = parse(ConversationParams, request.params);
    const body = parse(CreateInviteBody, request.body);
    return reply.status(201).send(await invites.create(id, request.user.id, body));
  });

  app.get("/conversations/:id/invites", async (request) => {
    const { id } = parse(ConversationParams, request.params);
    return { invites: await invites.list(id, request.user.id) };
  });

  app.delete("/conversations/:id/invites/:code", async (request, reply) => {
    const { id, code } = parse(ConversationInviteParams, request.params);
    await invites.revoke(id, request.user.id, code);
    return reply.status(204).send();
  });

  app.get("/invites/:code", async (request) => {
    const { code } = parse(InviteCodeParams, request.params);
    return invites.preview(code, request.user.id);
  });

  app.post("/invites/:code/accept", async (request) => {
    const { code } = parse(InviteCodeParams, request.params);
    return { conversation: await invites.accept(code, request.user.id) };
  });

  app.get("/mentions", async (request) => mentions.list(request.user.id, parse(MentionsQuery, request.query)));
};
