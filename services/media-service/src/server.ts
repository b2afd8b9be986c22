import { createPool, loggerOptions, runMigrations } from "@messenger/common";
import { buildApp } from "./app.js";
import { loadConfig } from "./config.js";

const config = loadConfig();
// The schema is shared with chat-service; migrating here too makes the start order irrelevant (advisory lock).
const migrator = createPool(config.databaseUrl, 1);
await runMigrations(migrator);
await migrator.end();

const app = await buildApp(config, {
  logger: loggerOptions(config.logLevel),
});
// Uploads of large videos take a while; requests stay open, but a stuck client does not hold a socket forever.
app.server.requestTimeout = 30 * 60 * 1000;

const shutdown = async (signal: string) => {
  app.log.info({ signal }, "shutting down");
  await app.close();
  process.exit(0);
};
process.once("SIGINT", () => void shutdown("SIGINT"));
process.once("SIGTERM", () => void shutdown("SIGTERM"));

await app.listen({ port: config.port, host: config.host });
