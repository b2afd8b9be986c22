// Runs every test file of every workspace in ONE node:test run, so there is one closing summary.
// Real PostgreSQL, clamd, ffmpeg, turnserver and Chromium are started by the tests themselves.
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const roots = ["services/chat-service/test", "services/media-service/test", "services/common/test", "client/test", "scripts/test"];
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
const args = ["--conditions=source", "--import", "tsx", "--test", "--test-concurrency=2", "--test-timeout=180000", ...selected];
const r = spawnSync(process.execPath, args, { stdio: "inherit" });
process.exit(r.status ?? 1);
