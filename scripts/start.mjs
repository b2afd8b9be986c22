// `npm start` / `bash scripts/start.sh`: the whole product at one URL on this machine.
// PostgreSQL (local or embedded), clamd with the shipped signatures, a loopback turnserver,
// chat-service and media-service from their built dist, and one gateway origin in front.
// Everything persistent lives under DATA_DIR (default .data/), so data survives a restart.
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import {
  chmodSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  writeFileSync,
} from "node:fs";
import http from "node:http";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { buildChanged } from "./lib/build.mjs";
import { createGateway } from "./lib/gateway.mjs";
import {
  ensureDatabase,
  freePort,
  LOCAL_PG_ADMIN_URL,
  localPostgresUsable,
  startEmbeddedPostgres,
} from "./lib/postgres.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const env = process.env;
const DEFAULT_DATA_DIR = join(ROOT, ".data");
const DATA_DIR = resolve(env.DATA_DIR ?? DEFAULT_DATA_DIR);
const PORT = Number(env.PORT ?? 8080);
const HOST = env.HOST ?? "127.0.0.1";
const CLIENT_DIR = resolve(env.CLIENT_DIR ?? join(ROOT, "client", "dist"));
const LOG_DIR = join(DATA_DIR, "logs");

const t0 = Date.now();
const isLoopback = (host) => host === "localhost" || host === "::1" || host.startsWith("127.");
const say = (line) => process.stdout.write(`${line}\n`);
const step = (name, detail) => say(`  ✓ ${name.padEnd(14)} ${detail}  (${((Date.now() - t0) / 1000).toFixed(1)} s)`);

/** Stop functions, run in reverse order of start. */
const running = [];
let stopping = false;

async function shutdown(code, reason) {
  if (stopping) return;
  stopping = true;
  if (reason) say(reason);
  say("stopping…");
  for (const { name, stop } of running.reverse()) {
    try {
      await stop();
    } catch (err) {
      say(`  ! ${name}: ${err.message}`);
    }
  }
  say("stopped");
  process.exit(code);
}
// A second Ctrl-C while stopping gives up waiting.
process.on("SIGINT", () => (stopping ? process.exit(130) : shutdown(0)));
process.on("SIGTERM", () => shutdown(0));

/** Secrets generated once per data dir, so sessions and TURN credentials stay valid across restarts. */
function loadSecrets() {
  const file = join(DATA_DIR, "secrets.json");
  let saved = {};
  try {
    saved = JSON.parse(readFileSync(file, "utf8"));
  } catch {}
  const secrets = {
    JWT_SECRET: saved.JWT_SECRET ?? randomBytes(32).toString("hex"),
    TURN_SECRET: saved.TURN_SECRET ?? randomBytes(32).toString("hex"),
    JITSI_APP_SECRET: saved.JITSI_APP_SECRET ?? randomBytes(32).toString("hex"),
  };
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  for (const k of Object.keys(secrets)) if (env[k]) secrets[k] = env[k];
  return secrets;
}

/**
 * The database of this copy on a shared local server: `messenger` for the default data dir (existing
 * installs keep their data), `messenger_<hash of the data dir's real path>` for any other, so copies
 * with their own DATA_DIR never see each other's data. (An embedded cluster lives inside DATA_DIR.)
 */
function localDatabaseName() {
  const real = (path) => (existsSync(path) ? realpathSync(path) : path);
  const dir = real(DATA_DIR);
  if (dir === real(DEFAULT_DATA_DIR)) return "messenger";
  return `messenger_${createHash("sha256").update(dir).digest("hex").slice(0, 12)}`;
}

async function startPostgres() {
  if (env.DATABASE_URL) {
    step("postgres", "DATABASE_URL from the environment");
    return env.DATABASE_URL;
  }
  if (env.MESSENGER_PG !== "embedded" && (await localPostgresUsable())) {
    const name = localDatabaseName();
    const url = await ensureDatabase(LOCAL_PG_ADMIN_URL, name);
    step("postgres", `local server on 127.0.0.1:5432, database ${name}`);
    return url;
  }
  const dir = join(DATA_DIR, "pg");
  const pg = await startEmbeddedPostgres({ dir, port: env.PG_PORT ? Number(env.PG_PORT) : undefined });
  running.push({ name: "postgres", stop: () => pg.stop() });
  const url = await ensureDatabase(pg.adminUrl, "messenger");
  step("postgres", `embedded on 127.0.0.1:${pg.port}, data in ${dir}${pg.initialised ? " (new cluster)" : ""}`);
  return url;
}

/** Polls GET /healthz until it answers 200 — a readiness condition, bounded by `timeoutMs`. */
async function waitHealthy(port, child, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) return false;
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return true;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

function tail(file, lines = 30) {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "";
  }
}

/** Runs a service from its built dist as a child process, its JSON logs appended to .data/logs. */
async function startService(name, extraEnv) {
  const entry = join(ROOT, "services", name, "dist", "server.js");
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` first`);
  const port = await freePort();
  const logFile = join(LOG_DIR, `${name}.log`);
  const log = createWriteStream(logFile, { flags: "a" });
  const child = spawn(process.execPath, [entry], {
    cwd: ROOT,
    env: { ...env, NODE_ENV: env.NODE_ENV ?? "development", ...extraEnv, HOST: "127.0.0.1", PORT: String(port) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  const exited = new Promise((r) => child.once("exit", r));
  child.once("exit", (code, signal) => {
    if (!stopping) {
      say(tail(logFile));
      shutdown(1, `${name} exited unexpectedly (${signal ?? `code ${code}`}); its log: ${logFile}`);
    }
  });
  running.push({
    name,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const force = setTimeout(() => child.kill("SIGKILL"), 10_000);
        await exited;
        clearTimeout(force);
      }
      log.end();
    },
  });
  if (!(await waitHealthy(port, child))) {
    throw new Error(`${name} did not become healthy; last lines of ${logFile}:\n${tail(logFile)}`);
  }
  step(name, `127.0.0.1:${port} (pid ${child.pid}, log ${logFile})`);
  return { port, child };
}

/** Why the public port cannot be listened on, in one line a user can act on (null: some other error). */
function publicPortProblem(err) {
  const retry = `stop it, or choose another one, e.g. PORT=${PORT + 1} bash scripts/start.sh`;
  if (err?.code === "EADDRINUSE") return `port ${PORT} on ${HOST} is already in use (another copy running?): ${retry}`;
  if (err?.code === "EACCES") return `port ${PORT} on ${HOST} needs privileges this user lacks: ${retry}`;
  if (err?.code === "EADDRNOTAVAIL")
    return `HOST ${HOST} is not an address of this machine: set HOST, e.g. HOST=0.0.0.0`;
  return null;
}

/** Listens on the public PORT/HOST; a clash becomes an error whose message is that one line. */
function listenPublic(server) {
  return new Promise((resolveListen, reject) => {
    server.once("error", (err) => {
      const problem = publicPortProblem(err);
      reject(problem ? new Error(problem) : err);
    });
    server.listen(PORT, HOST, resolveListen);
  });
}

/** Fails fast, before anything is started, when the public port is taken (PORT=0 never is). */
async function checkPublicPort() {
  if (PORT === 0) return;
  const probe = http.createServer();
  try {
    await listenPublic(probe);
  } catch (err) {
    say(err.message);
    process.exit(1);
  }
  await new Promise((r) => probe.close(r));
}

/** Builds what changed since the last build (`--build` / BUILD=1: everything, BUILD=0: nothing). */
async function build() {
  if (env.BUILD === "0") return;
  const force = env.BUILD === "1" || process.argv.includes("--build");
  try {
    await buildChanged({ root: ROOT, force, say });
  } catch (err) {
    say(err.message);
    process.exit(1);
  }
}

async function main() {
  await checkPublicPort();
  await build();
  mkdirSync(LOG_DIR, { recursive: true });
  // As root, an embedded PostgreSQL runs as user `postgres`, which must be able to reach DATA_DIR.
  if (process.getuid?.() === 0) chmodSync(DATA_DIR, 0o755);
  say(`Staff Messenger: starting (data in ${DATA_DIR})`);
  const secrets = loadSecrets();

  const databaseUrl = await startPostgres();
  // The services' testing harnesses double as the embedded defaults for one machine.
  const { startClamd, startTurnServer } = await import("@messenger/common/testing");
  const { runMigrations, createPool } = await import("@messenger/common");
  const db = createPool(databaseUrl, 1);
  try {
    const applied = await runMigrations(db);
    step("schema", applied.length ? `applied ${applied.join(", ")}` : "up to date");
  } finally {
    await db.end();
  }

  let clamdEnv;
  if (env.CLAMD_HOST || env.CLAMD_SOCKET) {
    step("clamd", "from the environment");
  } else {
    const clamd = await startClamd();
    running.push({ name: "clamd", stop: () => clamd.stop() });
    clamdEnv = { CLAMD_HOST: clamd.host, CLAMD_PORT: String(clamd.port) };
    step("clamd", `127.0.0.1:${clamd.port} with the shipped test signatures (EICAR, ClamAV test files)`);
  }

  let turnEnv = {};
  if (env.TURN_URLS) {
    step("turnserver", "TURN_URLS from the environment");
  } else {
    const turn = await startTurnServer({ secret: secrets.TURN_SECRET });
    running.push({ name: "turnserver", stop: () => turn.stop() });
    turnEnv = { TURN_URLS: turn.urls.join(",") };
    step("turnserver", `127.0.0.1:${turn.port} (loopback only: calls between browsers on this machine)`);
  }

  const common = { DATABASE_URL: databaseUrl, ...secrets };
  // A demo on this machine: anyone who can reach the loopback address may register. Served to the
  // network (HOST set), the production default applies: after the first account (the owner), invites only.
  const registration = env.REGISTRATION ?? (isLoopback(HOST) ? "open" : "invite");
  step("sign-up", registration === "open" ? "open (a local demo; REGISTRATION=invite to change)" : registration);
  const chat = await startService("chat-service", { ...common, ...turnEnv, REGISTRATION: registration });
  const media = await startService("media-service", {
    ...common,
    ...clamdEnv,
    MINIO_LOCAL_DIR: env.MINIO_LOCAL_DIR ?? join(DATA_DIR, "s3"),
    // The embedded S3 server is reached only by media-service: any free port, unless one is configured.
    ...(env.MINIO_ENDPOINT ? {} : { MINIO_PORT: env.MINIO_PORT ?? "0" }),
    TMP_DIR: env.TMP_DIR ?? join(DATA_DIR, "tmp"),
  });

  const serviceHealth = async (port) => {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(3000) });
      return res.ok;
    } catch {
      return false;
    }
  };
  const gateway = createGateway({
    clientDir: CLIENT_DIR,
    // chat-service's default when unset (services/chat-service/src/config.ts).
    jitsiDomain: env.JITSI_DOMAIN || "meet.jit.si",
    routes: [
      { prefix: "/api/media", target: { host: "127.0.0.1", port: media.port } },
      { prefix: "/api", target: { host: "127.0.0.1", port: chat.port } },
      { prefix: "/socket.io", target: { host: "127.0.0.1", port: chat.port } },
    ],
    health: async () => {
      const [c, m] = await Promise.all([serviceHealth(chat.port), serviceHealth(media.port)]);
      return { ok: c && m, services: { "chat-service": c ? "ok" : "down", "media-service": m ? "ok" : "down" } };
    },
    log: (line) => process.stderr.write(`${line}\n`),
  });
  await listenPublic(gateway.server);
  running.push({ name: "gateway", stop: () => gateway.close() });
  const { port } = gateway.server.address();
  if (!existsSync(join(CLIENT_DIR, "index.html")))
    say(`  ! client        ${CLIENT_DIR} is not built yet: run \`npm run build\``);
  step("gateway", `/ → client, /api/media → media-service, /api + /socket.io → chat-service`);
  const shownHost = HOST === "0.0.0.0" || HOST === "127.0.0.1" ? "localhost" : HOST;
  say(`\nStaff Messenger is running at http://${shownHost}:${port}  (Ctrl-C to stop)`);
}

main().catch((err) => shutdown(1, `start failed: ${err.message}`));
