// A database that accepts connections and never answers (a hung server, a black-holed network) must
// not hang the service: readiness says so and requests fail with an error, each within seconds.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { createServer, type Server, type Socket } from "node:net";
import { after, before, test } from "node:test";
import { signAccessToken } from "@messenger/common";
import type { FastifyInstance } from "fastify";
import { buildApp } from "../src/app.js";
import { loadConfig } from "../src/config.js";

let blackHole: Server;
const held: Socket[] = [];
let app: FastifyInstance;
const JWT_SECRET = "database-down-test";

before(async () => {
  blackHole = createServer((socket) => {
    held.push(socket); // accepted, never answered
  });
  await new Promise<void>((resolve) => blackHole.listen(0, "127.0.0.1", resolve));
  const { port } = blackHole.address() as { port: number };
  app = await buildApp(
    loadConfig({
      DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/nowhere`,
      NODE_ENV: "test",
      LOG_LEVEL: "silent",
      JWT_SECRET,
    }),
  );
});

after(async () => {
  for (const s of held) s.destroy();
  blackHole.close();
  await app?.close();
});

/** The request's outcome, or "hung" if it takes longer than a user would wait. */
async function within(ms: number, request: Promise<{ statusCode: number; body: string }>) {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<"hung">((resolve) => {
    timer = setTimeout(() => resolve("hung"), ms);
  });
  try {
    return await Promise.race([request, hung]);
  } finally {
    clearTimeout(timer);
  }
}

test("an unanswering database: /readyz is 503 and an API call fails with an error, neither hangs", async () => {
  const ready = await within(15_000, app.inject({ url: "/readyz" }));
  assert.notEqual(ready, "hung", "readiness must answer");
  assert.equal(ready !== "hung" && ready.statusCode, 503);

  const token = await signAccessToken(JWT_SECRET, { userId: randomUUID(), username: "someone" });
  const list = await within(
    15_000,
    app.inject({ url: "/api/conversations", headers: { authorization: `Bearer ${token}` } }),
  );
  assert.notEqual(list, "hung", "the request must fail, not wait forever");
  if (list !== "hung") {
    assert.equal(list.statusCode, 500);
    assert.equal(JSON.parse(list.body).error.code, "internal");
  }
});
