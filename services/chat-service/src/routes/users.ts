import { UsersQuery } from "@messenger/protocol";
import type { FastifyPluginAsync } from "fastify";
import type { AppDeps } from "../deps.js";
import { toUser, toUsers } from "../domain/users.js";
import { unauthorized } from "../errors.js";
import { parse } from "./validate.js";

export const userRoutes: FastifyPluginAsync<{ deps: AppDeps }> = async (app, { deps }) => {
  app.addHook("preHandler", app.authenticate);

  app.get("/me", async (request) => {
    const row = await deps.stores.users.findById(request.user.id);
    if (!row) throw unauthorized("account no longer exists");
    const online = await deps.presence.onlineAmong([row.id]);
    return { user: toUser(row, online.has(row.id)) };
  });

  app.get("/users", async (request) => {
    const { q } = parse(UsersQuery, request.query);
    const rows = await deps.stores.users.search(q.trim(), 50);
    return { users: await toUsers(rows, deps.presence) };
  });
};
