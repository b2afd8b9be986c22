// No import cycles in the client or the services: every folder reads as a tree, so a module can be
// understood (and moved) from what it imports. Type-only imports count too, as they tie files the same way.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import madge from "madge";

const root = join(import.meta.dirname, "..", "..");
const sourceDirs = ["client/src", ...readdirSync(join(root, "services")).map((s) => `services/${s}/src`)];

async function importGraph(dirs: string[], baseDir: string) {
  return madge(
    dirs.map((d) => join(baseDir, d)),
    { baseDir, fileExtensions: ["ts", "tsx"], tsConfig: join(root, "tsconfig.base.json") },
  );
}

test("client/src and services/*/src have no import cycles", async () => {
  const graph = await importGraph(sourceDirs, root);
  // Guards against a vacuous pass: the sources were found and their imports resolved.
  const modules = Object.entries(graph.obj());
  assert.ok(modules.length > 100, `only ${modules.length} modules found`);
  assert.ok(modules.some(([file, imports]) => file.startsWith("client/src/ui/") && imports.length > 3));
  const cycles = graph.circular().map((c) => c.join(" > "));
  assert.deepEqual(cycles, [], `import cycles:\n${cycles.join("\n")}`);
});

test("the check sees a cycle through a type-only import", async () => {
  const dir = mkdtempSync(join(tmpdir(), "import-cycles-"));
  try {
    mkdirSync(join(dir, "src"));
    writeFileSync(join(dir, "src/a.ts"), 'import type { B } from "./b.js";\nexport type A = { b: B };\n');
    writeFileSync(join(dir, "src/b.ts"), 'import type { A } from "./a.js";\nexport type B = { a?: A };\n');
    const graph = await importGraph(["src"], dir);
    assert.deepEqual(graph.circular(), [["src/a.ts", "src/b.ts"]]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
