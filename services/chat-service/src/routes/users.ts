import { UsersLookupQuery, UsersQuery } from "@messenger/protocol";
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

  // Anyone signed in may search the directory (above), so naming ids reveals nothing more.
  app.get("/users/lookup", async (request) => {
    const { ids } = parse(UsersLookupQuery, request.query);
    return { users: await toUsers(await deps.stores.users.findByIds(ids), deps.presence) };
  });

  app.get("/users", async (request) => {
    const { q } = parse(UsersQuery, request.query);
    const rows = await deps.stores.users.search(q.trim(), 50);
    return { users: await toUsers(rows, deps.presence) };
  });
};
