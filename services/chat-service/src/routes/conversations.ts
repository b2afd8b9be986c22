import {
  AddMembersBody,
  ConversationParams,
  CreateConversationBody,
  MemberParams,
  MembersQuery,
  MessageParams,
  MessagesQuery,
  ReceiptsQuery,
  SearchQuery,
} from "@messenger/protocol";
import type { FastifyPluginAsync } from "fastify";
import type { AppDeps } from "../deps.js";
import { parse } from "./validate.js";

export const conversationRoutes: FastifyPluginAsync<{ deps: AppDeps }> = async (app, { deps }) => {
  const { conversations, messages, receipts } = deps;
  app.addHook("preHandler", app.authenticate);

  app.get("/conversations", async (request) => ({ conversations: await conversations.list(request.user.id) }));

  app.post("/conversations", async (request, reply) => {
    const body = parse(CreateConversationBody, request.body);
    if (body.kind === "direct") {
      const { conversation, created } = await conversations.openDirect(request.user.id, body.userId);
      return reply.status(created ? 201 : 200).send({ conversation });
    }
    const conversation = await conversations.createGroup(request.user.id, body.title, body.memberIds, {
      visibility: body.visibility,
      topic: body.topic,
    });
    return reply.status(201).send({ conversation });
  });

  app.get("/conversations/:id", async (request) => {
    const { id } = parse(ConversationParams, request.params);
    return { conversation: await conversations.get(id, request.user.id) };
  });

  app.get("/conversations/:id/members", async (request) => {
    const { id } = parse(ConversationParams, request.params);
    return conversations.members(id, request.user.id, parse(MembersQuery, request.query));
  });

  app.post("/conversations/:id/members", async (request) => {
    const { id } = parse(ConversationParams, request.params);
    const { userIds } = parse(AddMembersBody, request.body);
    return { conversation: await conversations.addMembers(id, request.user.id, userIds) };
  });

  app.delete("/conversations/:id/members/:userId", async (request, reply) => {
    const { id, userId } = parse(MemberParams, request.params);
    await conversations.removeMember(id, request.user.id, userId);
    return reply.status(204).send();
  });

  app.get("/conversations/:id/messages", async (request) => {
    const { id } = parse(ConversationParams, request.params);
    const query = parse(MessagesQuery, request.query);
    return messages.page(request.user.id, id, query);
  });

  app.get("/conversations/:id/messages/:messageId/receipts", async (request) => {
    const { id, messageId } = parse(MessageParams, request.params);
    return receipts.who(id, messageId, request.user.id, parse(ReceiptsQuery, request.query));
  });

  app.get("/search", async (request) => {
    const { q, conversationId } = parse(SearchQuery, request.query);
    return deps.search.search(request.user.id, q, conversationId);
  });
};
