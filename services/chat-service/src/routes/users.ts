import { UsersQuery } from "@messenger/protocol";
import type { FastifyPluginAsync } from "fastify";
import type { AppDeps } from "../deps.js";
import { toUsers } from "../domain/users.js";
import { unauthorized } from "../errors.js";
import { parse } from "./validate.js";

export const userRoutes: FastifyPluginAsync<{ deps: AppDeps }> = async (app, { deps }) => {
  app.addHook("preHandler", app.authenticate);

  app.get("/me", async (request) => deps.account.me(request.user.id));

  // The directory: members see every active account; a guest only the people they share a conversation with.
  app.get("/users", async (request) => {
    const { q } = parse(UsersQuery, request.query);
    const viewer = await deps.stores.users.findById(request.user.id);
    if (!viewer) throw unauthorized("account no longer exists");
    const rows = await deps.stores.people.directory(
      q.trim(),
      50,
      viewer.role === "guest" ? { contactsOf: viewer.id } : {},
    );
    return { users: await toUsers(rows, deps.presence) };
  });
};
