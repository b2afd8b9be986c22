import { createPool, type Db } from "@messenger/common";
import fp from "fastify-plugin";

declare module "fastify" {
  interface FastifyInstance {
    db: Db;
  }
}

export default fp(
  async (app, opts: { databaseUrl: string }) => {
    const db = createPool(opts.databaseUrl);
    app.decorate("db", db);
    app.addHook("onClose", async () => {
      await db.end();
    });
  },
  { name: "db" },
);
