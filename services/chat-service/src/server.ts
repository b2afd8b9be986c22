// Thin entry: config, logger, migrations, listen, graceful shutdown. Everything else is buildApp.
import { createPool, loggerOptions, runMigrations } from "@messenger/common";
import { buildApp } from "./app.js";
import { loadConfig } from "./config.js";
import { installProcessGuards } from "./process-guard.js";

const config = loadConfig(process.env);
const migrationDb = createPool(config.DATABASE_URL, 1);
try {
  await runMigrations(migrationDb);
} finally {
  await migrationDb.end();
}

const app = await buildApp(config, {
  // JSON lines (with reqId on every request log); pipe through pino-pretty to read them by eye.
  logger: loggerOptions(config.LOG_LEVEL),
});

// A stray rejection of a library (Redis gone while a publish waits) must not take the service down.
installProcessGuards(process, app.log, app.deps.metrics);

let closing = false;
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, async () => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, "shutting down");
    // A stuck close must not keep the process alive forever.
    const timer = setTimeout(() => process.exit(1), 10_000);
    timer.unref();
    try {
      await app.close();
      process.exit(0);
    } catch (err) {
      app.log.error({ err }, "shutdown failed");
      process.exit(1);
    }
  });
}

await app.listen({ port: config.PORT, host: config.HOST });
