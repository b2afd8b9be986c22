// Runs every test file of every workspace in ONE node:test run, so there is one closing summary.
// Real PostgreSQL, clamd, ffmpeg, turnserver and Chromium are started by the tests themselves.
import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { localPostgresUsable, startEmbeddedPostgres } from "./lib/postgres.mjs";

const roots = ["services/chat-service/test", "services/media-service/test", "client/test", "scripts/test"];
const files = [];
const walk = (dir) => {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  for (const e of entries) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) walk(p);
    else if (/\.test\.tsx?$/.test(e)) files.push(p);
  }
};
for (const r of roots) walk(r);
// `npm test -- <filter>` runs only the files whose path contains the filter.
const filter = process.argv[2];
const selected = filter ? files.filter((f) => f.includes(filter)) : files;
if (selected.length === 0) {
  console.error("no test files found");
  process.exit(1);
}
const args = [
  "--conditions=source",
  "--import",
  "tsx",
  "--test",
  "--test-concurrency=2",
  // Applies to each test FILE as a whole: the benchmark smoke run (scripts/test/bench.test.ts)
  // runs five benchmarks and needs more than 3 minutes on a busy 2-core machine.
  "--test-timeout=300000",
  ...selected,
];

// Test databases come from TEST_DATABASE_ADMIN_URL, else the local server on 127.0.0.1:5432;
// where neither runs (a fresh machine), a throw-away embedded PostgreSQL serves the run.
let embedded;
let embeddedDir;
// MESSENGER_PG=embedded forces the embedded one (to check the fresh-machine path).
const forceEmbedded = process.env.MESSENGER_PG === "embedded";
if (forceEmbedded || (!process.env.TEST_DATABASE_ADMIN_URL && !(await localPostgresUsable()))) {
  embeddedDir = mkdtempSync(join(tmpdir(), "messenger-test-pg-"));
  chmodSync(embeddedDir, 0o755); // as root, PostgreSQL runs as user `postgres`, which must reach its data dir
  embedded = await startEmbeddedPostgres({ dir: join(embeddedDir, "pg") });
  process.env.TEST_DATABASE_ADMIN_URL = embedded.adminUrl;
  console.log(`test: using an embedded PostgreSQL on 127.0.0.1:${embedded.port} (none usable on 127.0.0.1:5432)`);
}
const child = spawn(process.execPath, args, { stdio: "inherit" });
// Ctrl-C reaches the test process through the terminal; wait for it to finish its cleanup.
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => child.kill(sig));
const status = await new Promise((resolve) => child.on("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0))));
if (embedded) {
  await embedded.stop().catch(() => {});
  rmSync(embeddedDir, { recursive: true, force: true });
}
process.exit(status);
