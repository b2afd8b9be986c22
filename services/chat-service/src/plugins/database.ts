import { createPool, type Db } from "@messenger/common";
import fp from "fastify-plugin";

declare module "fastify" {
  interface FastifyInstance {
    db: Db;
  }
}

/** The PostgreSQL pool; closed last, after everything that uses it (plugins close in reverse order). */
export const databasePlugin = fp<{ url: string; pool?: Db }>(
  async (app, opts) => {
    const db = opts.pool ?? createPool(opts.url, 20);
    app.decorate("db", db);
    // A pool handed in (tests) belongs to whoever made it.
    if (!opts.pool) app.addHook("onClose", () => db.end());
  },
  { name: "database" },
);
