// The real entry point: migrations on an empty database, listen, SIGTERM → clean exit.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { freePort, TEST_PG_ADMIN_URL } from "@messenger/common/testing";
import pg from "pg";
import { io as connect } from "socket.io-client";

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: TEST_PG_ADMIN_URL });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

test("server.ts migrates an empty database, serves, and exits 0 on SIGTERM with clients connected", async () => {
  const name = `test_${randomBytes(6).toString("hex")}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(TEST_PG_ADMIN_URL);
  url.pathname = `/${name}`;
  const port = await freePort();
  const server = spawn(
    process.execPath,
    ["--conditions=source", "--import", "tsx", fileURLToPath(new URL("../src/server.ts", import.meta.url))],
    {
      env: { ...process.env, PORT: String(port), HOST: "127.0.0.1", DATABASE_URL: url.toString(), LOG_LEVEL: "info" },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const exited = new Promise<number | null>((resolve) => server.once("exit", (code) => resolve(code)));
  // Fastify logs "Server listening" once migrations ran and the port is open.
  const listening = new Promise<void>((resolve, reject) => {
    let out = "";
    server.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes("Server listening")) resolve();
    });
    void exited.then((code) => reject(new Error(`server exited early (${code}): ${out}`)));
  });
  try {
    const base = `http://127.0.0.1:${port}`;
    await listening;
    assert.equal((await fetch(`${base}/readyz`)).status, 200);
    const reg = await fetch(`${base}/api/auth/register`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "starter", password: "correct horse battery" }),
    });
    assert.equal(reg.status, 201);
    const { accessToken } = (await reg.json()) as { accessToken: string };
    const s = connect(base, { auth: { token: accessToken }, transports: ["websocket"], reconnection: false });
    await new Promise<void>((resolve, reject) => {
      s.once("connect", () => resolve());
      s.once("connect_error", reject);
    });
    const disconnected = new Promise<void>((resolve) => s.once("disconnect", () => resolve()));
    server.kill("SIGTERM");
    await disconnected;
    assert.equal(await exited, 0);
    // lastSeenAt was written during shutdown (the pool closed only after presence drained).
    const seen = await admin(async () => {
      const c = new pg.Client({ connectionString: url.toString() });
      await c.connect();
      const r = await c.query("SELECT last_seen_at FROM users WHERE username = 'starter'");
      await c.end();
      return r.rows[0]?.last_seen_at;
    });
    assert.ok(seen instanceof Date);
  } finally {
    if (server.exitCode === null) server.kill("SIGKILL");
    await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  }
});
