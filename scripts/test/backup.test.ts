// scripts/deploy/backup.sh and restore.sh as an operator runs them: a populated database (with
// pg-boss's schema) and bucket are backed up, restored into a fresh database and a fresh S3 server
// (s3rver stands in for MinIO), and media-service on the restored pair serves the same messages,
// attachments and downloads. The restore must exit 0 (a `set -e` script that stops half-way leaves
// the services stopped).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { createPool } from "@messenger/common";
import { createTestDatabase, type RunningS3, startS3, type TestDatabase } from "@messenger/common/testing";
import { buildApp, loadConfig } from "@messenger/media-service";
import { type Harness, startHarness, upload } from "../../services/media-service/test/helpers.js";

const ROOT = join(import.meta.dirname, "..", "..");
let h: Harness;
let target: TestDatabase;
let targetS3: RunningS3;
let dir: string;

const s3Env = (s3: RunningS3, bucket: string) => ({
  MINIO_ENDPOINT: s3.endPoint,
  MINIO_PORT: String(s3.port),
  MINIO_ACCESS_KEY: s3.accessKey,
  MINIO_SECRET_KEY: s3.secretKey,
  MINIO_BUCKET: bucket,
});

/** Runs a deploy script without blocking this process, which hosts the S3 servers and media-service. */
function run(script: string, env: Record<string, string>) {
  return new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn("sh", [join(ROOT, "scripts", "deploy", script), dir], { env: { ...process.env, ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

async function succeed(script: string, env: Record<string, string>) {
  const out = await run(script, env);
  assert.equal(out.status, 0, `${script} exited ${out.status}: ${out.stderr}`);
  return out.stdout;
}

/** media-service on the restored database and bucket (same secret and clamd as the original). */
async function startHarnessOn(database: TestDatabase, s3: RunningS3) {
  const app = await buildApp(
    loadConfig({
      ...h.env,
      LOG_LEVEL: "silent",
      VIDEO_WORKER: "false",
      DATABASE_URL: database.url,
      ...s3Env(s3, h.bucket),
    }),
  );
  await app.listen({ port: 0, host: "127.0.0.1" });
  const db = createPool(database.url, 1);
  return {
    base: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`,
    db,
    async close() {
      await app.close();
      await db.end();
    },
  };
}

before(async () => {
  [h, target, targetS3] = await Promise.all([startHarness(), createTestDatabase({ empty: true }), startS3()]);
  dir = mkdtempSync(join(tmpdir(), "backup-"));
});

after(async () => {
  await h?.close();
  await target?.drop();
  await targetS3?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test("a backup restored into a fresh database and bucket brings back messages, attachments and downloads", async () => {
  const file = Buffer.from(`quarterly numbers ${Date.now()}\n`);
  const sent = await upload(h, h.users.alice.token, file, "numbers.txt", { type: "text/plain" });
  assert.equal(sent.status, 201, JSON.stringify(sent.body));
  const attachment = sent.body.attachment!;
  await h.db.query(
    "INSERT INTO messages (conversation_id, seq, sender_id, client_id, body) VALUES ($1, 1, $2, 'c1', 'see attached')",
    [h.conversationId, h.users.alice.id],
  );

  await succeed("backup.sh", { DATABASE_URL: h.database.url, ...s3Env(h.s3, h.bucket) });
  assert.match(await succeed("restore.sh", { DATABASE_URL: target.url, ...s3Env(targetS3, h.bucket) }), /restored/);

  // media-service on the restored database and bucket, as after a restore in production.
  const restored = await startHarnessOn(target, targetS3);
  const { rows } = await restored.db.query("SELECT body FROM messages WHERE conversation_id = $1", [h.conversationId]);
  assert.deepEqual(
    rows.map((r) => r.body),
    ["see attached"],
  );
  const download = await fetch(`${restored.base}/api/media/${attachment.id}`, {
    headers: { authorization: `Bearer ${h.users.alice.token}` },
  });
  assert.equal(download.status, 200);
  assert.deepEqual(Buffer.from(await download.arrayBuffer()), file);
  // pg-boss's schema came back too: its queues are usable (the video worker needs them).
  const boss = await restored.db.query("SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'pgboss'");
  assert.ok(boss.rows[0].n > 0);
  await restored.close();
});

test("restore refuses a database that is not empty, instead of failing half-way", async () => {
  const out = await run("restore.sh", { DATABASE_URL: h.database.url, ...s3Env(h.s3, h.bucket) });
  assert.equal(out.status, 2);
  assert.match(out.stderr, /not empty/);
});
