// The start command builds only what changed (scripts/lib/build.mjs). Checked on a small npm workspace
// monorepo of its own in a temp dir, with real `npm run build -w` builds, so the product's dist folders,
// which other tests read meanwhile, are never rebuilt here: `app` depends on `base` (its build reads
// base's dist), `other` on nothing; `app` is listed first, so the order has to come from the dependencies.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { buildChanged } from "../lib/build.mjs";

let root: string;
const build = (opts: { force?: boolean } = {}): Promise<string[]> => buildChanged({ root, ...opts });
const write = (path: string, text: string) => {
  mkdirSync(join(root, path, ".."), { recursive: true });
  writeFileSync(join(root, path), text);
};
const read = (path: string) => readFileSync(join(root, path), "utf8");

/** A workspace whose build writes dist/out.txt: its src/main.txt, after the dist of those it reads. */
function workspace(name: string, dependsOn: string[]) {
  const reads = dependsOn.map((d) => `fs.readFileSync("../${d}/dist/out.txt", "utf8")`).join(" + ");
  const script = `const fs = require("node:fs"); fs.mkdirSync("dist", { recursive: true }); fs.writeFileSync("dist/out.txt", ${reads || '""'} + fs.readFileSync("src/main.txt", "utf8"));`;
  write(`packages/${name}/build.cjs`, script);
  write(
    `packages/${name}/package.json`,
    JSON.stringify({
      name: `@t/${name}`,
      version: "1.0.0",
      scripts: { build: "node build.cjs" },
      dependencies: Object.fromEntries(dependsOn.map((d) => [`@t/${d}`, "1.0.0"])),
    }),
  );
  write(`packages/${name}/src/main.txt`, `${name} v1\n`);
  write(`packages/${name}/test/main.test.txt`, "a test\n");
  write(`packages/${name}/README.md`, `# ${name}\n`);
}

before(() => {
  root = mkdtempSync(join(tmpdir(), "messenger-build-"));
  write(
    "package.json",
    JSON.stringify({ private: true, workspaces: ["packages/app", "packages/base", "packages/other"] }),
  );
  workspace("app", ["base"]);
  workspace("base", []);
  workspace("other", []);
});

after(() => rmSync(root, { recursive: true, force: true }));

test("a fresh clone builds every workspace, each after those it depends on", async () => {
  assert.deepEqual(await build(), ["@t/base", "@t/app", "@t/other"]);
  assert.equal(read("packages/app/dist/out.txt"), "base v1\napp v1\n");
  assert.equal(read("packages/other/dist/out.txt"), "other v1\n");
});

test("a restart with nothing changed builds nothing", async () => {
  assert.deepEqual(await build(), []);
});

test("a changed source file rebuilds its workspace and those depending on it, nothing else", async () => {
  write("packages/base/src/main.txt", "base v2\n");
  assert.deepEqual(await build(), ["@t/base", "@t/app"]);
  assert.equal(read("packages/app/dist/out.txt"), "base v2\napp v1\n", "app was built with the new base");
  write("packages/app/src/new-file.txt", "added\n");
  assert.deepEqual(await build(), ["@t/app"], "a new file counts as a change");
  assert.deepEqual(await build(), []);
});

test("tests and READMEs are not build inputs", async () => {
  write("packages/base/test/main.test.txt", "another test\n");
  write("packages/base/README.md", "# base, documented\n");
  assert.deepEqual(await build(), []);
});

test("a workspace whose dist was deleted is built again", async () => {
  rmSync(join(root, "packages/other/dist"), { recursive: true });
  assert.deepEqual(await build(), ["@t/other"]);
  assert.ok(existsSync(join(root, "packages/other/dist/out.txt")));
});

test("asked for (--build, BUILD=1), everything is built", async () => {
  assert.deepEqual(await build({ force: true }), ["@t/base", "@t/app", "@t/other"]);
});

test("a failing build stops with its output, and is tried again next time", async () => {
  write("packages/other/build.cjs", 'console.error("syntax error in other"); process.exit(2);');
  await assert.rejects(build(), /building packages\/other failed[\s\S]*syntax error in other/);
  await assert.rejects(build(), /building packages\/other failed/, "not recorded as built");
});
