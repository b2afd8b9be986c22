// /readyz tells the load balancer the truth about each dependency: here a private, real Redis that
// the test can freeze (SIGSTOP), as a stalled Redis would be.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { after, before, test } from "node:test";
import { createTestDatabase, freePort, type TestDatabase } from "@messenger/common/testing";
import type { FastifyInstance } from "fastify";
import { createClient } from "redis";
import { buildApp } from "../src/app.js";
import { loadConfig } from "../src/config.js";

let db: TestDatabase;
let redis: ChildProcess;
let app: FastifyInstance;

before(async () => {
  db = await createTestDatabase();
  const port = await freePort();
  redis = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
    stdio: "ignore",
  });
  const url = `redis://127.0.0.1:${port}`;
  // Ready when it answers.
  for (let attempt = 0; ; attempt++) {
    const probe = createClient({ url, socket: { reconnectStrategy: false } });
    probe.on("error", () => {});
    try {
      await probe.connect();
      await probe.ping();
      await probe.quit();
      break;
    } catch {
      assert.ok(attempt < 200, "redis-server did not start");
      await new Promise((r) => setImmediate(r));
    }
  }
  app = await buildApp(
    loadConfig({ DATABASE_URL: db.url, NODE_ENV: "test", LOG_LEVEL: "silent", REDIS_URL: url, REDIS_PREFIX: "ready" }),
  );
});

after(async () => {
  redis.kill("SIGCONT");
  await app?.close();
  redis.kill("SIGKILL");
  await db?.drop();
});

test("readiness reports a stalled Redis (503 naming it) and recovers when it answers again", async () => {
  const up = await app.inject({ url: "/readyz" });
  assert.equal(up.statusCode, 200);
  assert.deepEqual(up.json(), { status: "ok", database: true, redis: true });

  redis.kill("SIGSTOP");
  const stalled = await app.inject({ url: "/readyz" });
  assert.equal(stalled.statusCode, 503);
  assert.deepEqual(stalled.json(), { error: { code: "internal", message: "redis unreachable" } });

  redis.kill("SIGCONT");
  assert.equal((await app.inject({ url: "/readyz" })).statusCode, 200);
});
