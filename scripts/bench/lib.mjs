// Shared pieces of the benchmarks: a throw-away database, chat-service from its built dist in a
// process of its own (so its CPU and RSS are its own), bulk fixtures in SQL, and result rows.
// Everything listens on 127.0.0.1 only and is removed afterwards.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { freePort, LOCAL_PG_ADMIN_URL, localPostgresUsable, startEmbeddedPostgres } from "../lib/postgres.mjs";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const SMALL = process.argv.includes("--small");
// The servers run with production settings, which refuse weak secrets: fresh strong ones per run.
const strongSecret = () => randomBytes(32).toString("hex");
export const JWT_SECRET = strongSecret();
export { freePort };

/**
 * One result row. run.mjs collects these from every benchmark's stdout (one JSON object per line,
 * marked with "bench") and prints them as one table.
 */
export function row(bench, metric, value, unit, extra = {}) {
  process.stdout.write(`${JSON.stringify({ bench, metric, value, unit, ...extra })}\n`);
}

export const log = (line) => process.stderr.write(`  ${line}\n`);

export function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** A throw-away migrated database on the local server, or on an embedded PostgreSQL when none runs. */
export async function throwawayDatabase() {
  let adminUrl =
    process.env.TEST_DATABASE_ADMIN_URL ?? (process.env.MESSENGER_PG !== "embedded" ? LOCAL_PG_ADMIN_URL : "");
  let embedded;
  let embeddedDir;
  if (
    !process.env.TEST_DATABASE_ADMIN_URL &&
    (process.env.MESSENGER_PG === "embedded" || !(await localPostgresUsable()))
  ) {
    embeddedDir = mkdtempSync(join(tmpdir(), "messenger-bench-pg-"));
    chmodSync(embeddedDir, 0o755);
    embedded = await startEmbeddedPostgres({ dir: join(embeddedDir, "pg") });
    adminUrl = embedded.adminUrl;
  }
  const name = `bench_${randomBytes(5).toString("hex")}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const { createPool, runMigrations } = await import("@messenger/common");
  const pool = createPool(url.toString(), 4);
  await runMigrations(pool);
  return {
    url: url.toString(),
    name,
    pool,
    async drop() {
      await pool.end();
      const a = new pg.Client({ connectionString: adminUrl });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
      if (embedded) {
        await embedded.stop();
        rmSync(embeddedDir, { recursive: true, force: true });
      }
    },
  };
}

/** `users` users in groups of `groupSize` (one group conversation each), inserted in SQL. */
export async function createUsersInGroups(pool, users, groupSize) {
  const { rows } = await pool.query(
    `INSERT INTO users (username, display_name, password_hash)
     SELECT 'bench' || g, 'Bench ' || g, 'not-a-hash' FROM generate_series(1, $1) g
     RETURNING id, username`,
    [users],
  );
  rows.sort((a, b) => Number(a.username.slice(5)) - Number(b.username.slice(5)));
  const groups = [];
  for (let i = 0; i < rows.length; i += groupSize) {
    const members = rows.slice(i, i + groupSize);
    const { rows: c } = await pool.query(
      "INSERT INTO conversations (kind, title, created_by) VALUES ('group', $1, $2) RETURNING id",
      [`Group ${i / groupSize + 1}`, members[0].id],
    );
    await pool.query("INSERT INTO conversation_members (conversation_id, user_id) SELECT $1, unnest($2::uuid[])", [
      c[0].id,
      members.map((m) => m.id),
    ]);
    groups.push({ id: c[0].id, members });
  }
  const { signAccessToken } = await import("@messenger/common");
  for (const u of rows) u.token = await signAccessToken(JWT_SECRET, { userId: u.id, username: u.username }, 3600);
  return { users: rows, groups };
}

/** Resident set size of a process, in bytes (Linux). */
export function rssOf(pid) {
  const m = readFileSync(`/proc/${pid}/status`, "utf8").match(/VmRSS:\s+(\d+) kB/);
  return m ? Number(m[1]) * 1024 : Number.NaN;
}

async function waitHealthy(url, child, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error("server exited during start");
    try {
      if ((await fetch(`${url}/healthz`)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${url} did not become healthy`);
}

/** A node process running `entry` with `env`, on a free loopback port; resolves once /healthz answers. */
export async function startServer(entry, env = {}, { onLogLine } = {}) {
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` first`);
  const port = await freePort();
  // e.g. BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the servers under load.
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? "").split(" ").filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, entry], {
    cwd: ROOT,
    // Benchmarks register many users: sign-up is open (chat-service; media-service ignores it).
    env: { ...process.env, REGISTRATION: "open", ...env, HOST: "127.0.0.1", PORT: String(port) },
    stdio: ["ignore", onLogLine ? "pipe" : "ignore", "inherit"],
  });
  if (onLogLine) {
    let buffered = "";
    child.stdout.on("data", (chunk) => {
      buffered += chunk;
      const lines = buffered.split("\n");
      buffered = lines.pop();
      for (const line of lines) onLogLine(line);
    });
  }
  const url = `http://127.0.0.1:${port}`;
  await waitHealthy(url, child);
  return {
    url,
    pid: child.pid,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      const t = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(t);
    },
  };
}

/** chat-service from its dist, production settings, quiet logs, on the given database. */
export function startChatService(databaseUrl, env = {}, opts = {}) {
  return startServer(
    join(ROOT, "services", "chat-service", "dist", "server.js"),
    {
      NODE_ENV: "production",
      LOG_LEVEL: "warn",
      DATABASE_URL: databaseUrl,
      JWT_SECRET,
      TURN_SECRET: strongSecret(),
      JITSI_APP_SECRET: strongSecret(),
      ...env,
    },
    opts,
  );
}

/**
 * chat-service logging each request's server-side time (Fastify's responseTime, at level info), and
 * `time(url, headers, check, requests)`: that many GETs after 20 warm-up ones, each checked, with
 * p50 / p99 of the server's times and of the loopback round trips, and the last response's size.
 */
export async function startTimedChatService(databaseUrl, env = {}) {
  const serverTimes = new Map();
  const chat = await startChatService(
    databaseUrl,
    { LOG_LEVEL: "info", ...env },
    {
      onLogLine: (line) => {
        if (!line.includes('"responseTime"')) return;
        try {
          const entry = JSON.parse(line);
          serverTimes.set(entry.reqId, entry.responseTime);
        } catch {}
      },
    },
  );
  let n = 0;
  async function time(url, headers, check, requests) {
    const samples = [];
    const ids = [];
    let bytes = 0;
    for (let i = 0; i < requests + 20; i++) {
      const u = url();
      const id = `bench-${++n}`;
      const start = performance.now();
      const res = await fetch(u, { headers: { ...headers, "x-request-id": id } });
      const text = await res.text();
      const ms = performance.now() - start;
      if (!res.ok) throw new Error(`${u}: ${res.status} ${text.slice(0, 500)}`);
      check(JSON.parse(text));
      bytes = Buffer.byteLength(text);
      if (i >= 20) {
        // the first requests warm caches and JIT
        samples.push(ms);
        ids.push(id);
      }
    }
    // The last log lines may still be in the pipe.
    const deadline = Date.now() + 5000;
    while (!ids.every((id) => serverTimes.has(id)) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    const server = ids.map((id) => serverTimes.get(id)).filter((v) => v !== undefined);
    samples.sort((a, b) => a - b);
    server.sort((a, b) => a - b);
    const p = (xs) => `${percentile(xs, 50).toFixed(2)} / ${percentile(xs, 99).toFixed(2)}`;
    return {
      server: server.length ? p(server) : "n/a",
      serverP99: percentile(server, 99),
      roundTrip: p(samples),
      bytes,
    };
  }
  return { ...chat, time };
}
