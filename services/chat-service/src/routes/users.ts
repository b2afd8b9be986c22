import { UsersLookupQuery, UsersQuery } from "@messenger/protocol";
import type { FastifyPluginAsync } from "fastify";
import type { AppDeps } from "../deps.js";
import { toUsers } from "../domain/users.js";
import { unauthorized } from "../errors.js";
import { parse } from "./validate.js";

export const userRoutes: FastifyPluginAsync<{ deps: AppDeps }> = async (app, { deps }) => {
  app.addHook("preHandler", app.authenticate);

  app.get("/me", async (request) => deps.account.me(request.user.id));

  // People by id (authors in a big group whose members the client has not paged); a guest gets only
  // the people they share a conversation with, as in the directory.
  app.get("/users/lookup", async (request) => {
    const { ids } = parse(UsersLookupQuery, request.query);
    const viewer = await deps.stores.users.findById(request.user.id);
    if (!viewer) throw unauthorized("account no longer exists");
    const visible = viewer.role === "guest" ? await deps.stores.people.contactsAmong(viewer.id, ids) : new Set(ids);
    const rows = await deps.stores.users.findByIds(ids.filter((id) => visible.has(id) || id === viewer.id));
    return { users: await toUsers(rows, deps.presence) };
  });

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
