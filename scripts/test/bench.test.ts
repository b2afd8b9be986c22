// Benchmarks are not timed tests: this only checks that `npm run bench -- --small` runs every
// benchmark to the end and prints the one table, with a figure for each of our rows.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";

const ROOT = join(import.meta.dirname, "..", "..");

test("npm run bench -- --small prints one table with delivery, connections and history figures", {
  timeout: 600_000,
}, async () => {
  const child = spawn("npm", ["run", "--silent", "bench", "--", "--small"], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (d) => {
    out += d;
  });
  child.stderr.on("data", (d) => {
    err += d;
  });
  const code = await new Promise((resolve) => child.on("exit", resolve));
  assert.equal(code, 0, `bench failed:\n${err.slice(-4000)}\n${out.slice(-4000)}`);
  const tables = out.match(/^\| benchmark \| metric \| value \|/gm) ?? [];
  assert.equal(tables.length, 1, out);
  const rows = out.split("\n").filter((l) => /^\| (delivery|connections|history|media|call-setup) \|/.test(l));
  const cells = (metric: RegExp) => {
    const line = rows.find((l) => metric.test(l));
    assert.ok(line, `no row matching ${metric} in:\n${out}`);
    return line.split("|").map((c) => c.trim());
  };
  // Numbers, not NaN or blanks, where the figures are.
  const number = /^\d+(\.\d+)?( \/ \d+(\.\d+)?)?$/;
  assert.match(cells(/relay floor p50 \/ p99/)[3]!, number);
  assert.match(cells(/persisted p50 \/ p99/)[3]!, number);
  assert.match(cells(/p99 persisted ÷ floor/)[3]!, number);
  // The clients send what the real client sends (receipts, typing), and the database's writes are counted.
  assert.match(cells(/relay floor p50 \/ p99/)[7]!, /^real-client traffic;/);
  assert.match(cells(/events per recipient per message/)[3]!, number);
  assert.match(cells(/database writes per message/)[3]!, number);
  assert.match(cells(/idle authenticated sockets held/)[3]!, number);
  assert.match(cells(/RSS per connection/)[3]!, number);
  assert.match(cells(/latest page of 50/)[3]!, number);
  assert.match(cells(/after= catch-up/)[3]!, number);
  assert.doesNotMatch(out, /\| FAILED \|/);
  // The machine it ran on comes with the figures.
  assert.match(out, /- CPU: .+ × \d+/);
  // A quick run never overwrites the full figures in docs/BENCHMARKS.md.
  assert.doesNotMatch(err, /wrote docs\/BENCHMARKS\.md/);
});
