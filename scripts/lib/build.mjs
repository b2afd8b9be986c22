// Builds the workspaces whose sources changed since their last build, and those that depend on them,
// in dependency order (`npm run build -w <workspace>`); the rest are left as they are. Used by the
// start command (a restart with no change builds nothing) and by `npm run build` (everything).
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";

/** Not inputs of a build: its output, installed packages, tests, docs. */
const SKIP_DIRS = new Set(["dist", "node_modules", "test"]);
const skipFile = (name) => name.endsWith(".md");
/** Files at the root that every build reads (shared compiler options, the installed package versions). */
const ROOT_INPUTS = ["package-lock.json", "tsconfig.base.json"];

async function filesUnder(dir) {
  const out = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name.startsWith(".")) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name)) out.push(...(await filesUnder(path)));
    } else if (entry.isFile() && !skipFile(entry.name)) out.push(path);
  }
  return out;
}

async function hashFiles(hash, root, files) {
  for (const file of files.sort()) {
    hash.update(`${relative(root, file)}\0`);
    hash.update(await readFile(file));
    hash.update("\0");
  }
}

/** The root's workspaces in an order where every one comes after the workspaces it depends on. */
export async function workspaces(root) {
  const { workspaces: dirs = [] } = JSON.parse(await readFile(join(root, "package.json"), "utf8"));
  const all = [];
  for (const dir of dirs) {
    const pkg = JSON.parse(await readFile(join(root, dir, "package.json"), "utf8"));
    all.push({ dir, name: pkg.name, builds: !!pkg.scripts?.build, deps: Object.keys(pkg.dependencies ?? {}) });
  }
  const byName = new Map(all.map((w) => [w.name, w]));
  const ordered = [];
  const visit = (w, path = []) => {
    if (ordered.includes(w)) return;
    if (path.includes(w)) throw new Error(`workspaces depend on each other: ${[...path, w].map((x) => x.name)}`);
    for (const d of w.deps) if (byName.has(d)) visit(byName.get(d), [...path, w]);
    ordered.push(w);
  };
  for (const w of all) visit(w);
  for (const w of ordered) w.deps = w.deps.filter((d) => byName.has(d));
  return ordered;
}

/**
 * Runs the builds that are due. `force`: all of them. Progress goes to `say`; a failed build throws
 * with its output. Resolves with the names of the workspaces built.
 */
export async function buildChanged({ root, force = false, say = () => {} }) {
  const list = await workspaces(root);
  const stampDir = join(root, "node_modules", ".cache", "messenger-build");
  const rootFiles = ROOT_INPUTS.map((f) => join(root, f)).filter((f) => existsSync(f));
  const inputs = new Map();
  const due = [];
  for (const w of list) {
    // A workspace's inputs include its dependencies' inputs: a change there rebuilds it too.
    const hash = createHash("sha256");
    await hashFiles(hash, root, [...rootFiles, ...(await filesUnder(join(root, w.dir)))]);
    for (const d of w.deps) hash.update(inputs.get(d));
    inputs.set(w.name, hash.digest("hex"));
    if (!w.builds) continue;
    const stamp = join(stampDir, `${w.name.replaceAll("/", "+")}.sha256`);
    const built = await readFile(stamp, "utf8").catch(() => "");
    const fresh = built === inputs.get(w.name) && existsSync(join(root, w.dir, "dist"));
    if (force || !fresh) due.push({ ...w, stamp });
  }
  if (!due.length) {
    say("build: every workspace is up to date (BUILD=1 or --build rebuilds them all)");
    return [];
  }
  say(
    `build: ${due.map((w) => w.dir).join(", ")}${force ? " (asked for)" : " (sources changed since the last build)"}`,
  );
  await mkdir(stampDir, { recursive: true });
  for (const w of due) {
    const t0 = Date.now();
    await npmBuild(root, w.dir);
    await writeFile(w.stamp, inputs.get(w.name));
    say(`  ✓ built ${w.dir}  (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  }
  return due.map((w) => w.name);
}

function npmBuild(root, dir) {
  return new Promise((resolve, reject) => {
    const child = spawn("npm", ["run", "build", "-w", dir], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => {
      output += d;
    });
    child.stderr.on("data", (d) => {
      output += d;
    });
    child.once("error", reject);
    child.once("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`building ${dir} failed (exit ${code}):\n${output.trimEnd()}`)),
    );
  });
}
