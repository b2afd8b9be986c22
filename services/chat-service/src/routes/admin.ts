import {
  AdminUsersQuery,
  AuditQuery,
  CreateWorkspaceInviteBody,
  UpdateSettingsBody,
  UpdateUserBody,
  UserParams,
} from "@messenger/protocol";
import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import type { AppDeps } from "../deps.js";
import { parse } from "./validate.js";

/** Where people open the app: PUBLIC_URL, else the address this request came to. */
export const publicUrlOf = (deps: AppDeps, request: FastifyRequest): string =>
  deps.config.PUBLIC_URL ?? `${request.protocol}://${request.host}`;

/** `/api/admin/*`: the owner and admins only (the domain answers 403 to everyone else). */
export const adminRoutes: FastifyPluginAsync<{ deps: AppDeps }> = async (app, { deps }) => {
  const { admin } = deps;
  app.addHook("preHandler", app.authenticate);
  const ip = (request: FastifyRequest) => request.ip ?? null;

  app.get("/settings", async (request) => ({ settings: await admin.settings(request.user.id) }));

  app.put("/settings", async (request) => ({
    settings: await admin.updateSettings(request.user.id, parse(UpdateSettingsBody, request.body), ip(request)),
  }));

  app.get("/users", async (request) => admin.users(request.user.id, parse(AdminUsersQuery, request.query)));

  app.patch("/users/:id", async (request) => {
    const { id } = parse(UserParams, request.params);
    return { user: await admin.updateUser(request.user.id, id, parse(UpdateUserBody, request.body), ip(request)) };
  });

  app.post("/invites", async (request, reply) => {
    const body = parse(CreateWorkspaceInviteBody, request.body);
    return reply.status(201).send(await admin.createInvite(request.user.id, body, publicUrlOf(deps, request)));
  });

  app.get("/invites", async (request) => ({ invites: await admin.invites(request.user.id) }));

  app.delete("/invites/:id", async (request, reply) => {
    const { id } = parse(UserParams, request.params);
    await admin.revokeInvite(request.user.id, id);
    return reply.status(204).send();
  });

  app.get("/audit", async (request) => admin.audit(request.user.id, parse(AuditQuery, request.query)));
};
