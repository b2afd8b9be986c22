// Replays a Dockerfile's build without Docker: each stage gets a directory standing for its filesystem
// root, COPY copies from the build context (minus .dockerignore) or from an earlier stage's directory,
// and the npm/node RUN steps run for real there. Other RUN steps (apt-get) and the base images' own
// contents (Node, nginx) are not replayed: the machine's Node and nginx stand in, and every skipped step
// is reported. Only the instructions our Dockerfiles use are understood; any other stops the replay, so a
// new one is handled here before the test trusts it.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { cp } from "node:fs/promises";
import { basename, dirname, isAbsolute, join, posix, relative } from "node:path";

export interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

export interface Stage {
  name: string;
  from: string;
  instructions: Instruction[];
}

/** Instructions and their arguments, one per logical line (continuations joined, comments dropped). */
export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const start = i + 1;
    let logical = lines[i]!;
    if (/^\s*(#|$)/.test(logical)) continue;
    while (logical.endsWith("\\") && i + 1 < lines.length) {
      logical = logical.slice(0, -1);
      // Comment lines inside a continued instruction are dropped, as Docker does.
      do i++;
      while (i < lines.length && /^\s*#/.test(lines[i]!));
      logical += ` ${(lines[i] ?? "").trim()}`;
    }
    const m = logical.trim().match(/^([A-Za-z]+)\s+(.*)$/);
    if (!m) throw new Error(`line ${start}: cannot read "${logical}"`);
    const keyword = m[1]!.toUpperCase();
    const args = m[2]!.trim();
    if (keyword === "FROM") {
      const from = args.match(/^(\S+)(?:\s+AS\s+(\S+))?$/i);
      if (!from) throw new Error(`line ${start}: FROM ${args}`);
      stages.push({ from: from[1]!, name: from[2] ?? String(stages.length), instructions: [] });
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) throw new Error(`line ${start}: ${keyword} before FROM`);
    stage.instructions.push({ keyword, args, line: start });
  }
  return stages;
}

/** A predicate for paths (relative to the context) that .dockerignore keeps out of the build context. */
export function dockerignore(context: string): (relPath: string) => boolean {
  const file = join(context, ".dockerignore");
  const patterns = existsSync(file)
    ? readFileSync(file, "utf8")
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith("#"))
    : [];
  if (patterns.some((p) => p.startsWith("!"))) throw new Error(".dockerignore exceptions (!) are not replayed");
  const regexes = patterns.map((p) => {
    const body = posix
      .normalize(p.replace(/^\/+/, ""))
      .split(/(\*\*\/|\*\*|\*|\?)/)
      .map((part) => {
        if (part === "**/") return "(?:.*/)?";
        if (part === "**") return ".*";
        if (part === "*") return "[^/]*";
        if (part === "?") return "[^/]";
        return part.replace(/[.+^${}()|[\]\\]/g, "\\$&");
      })
      .join("");
    return new RegExp(`^${body}$`);
  });
  // A directory that matches takes everything under it along.
  return (relPath) => {
    const parts = relPath.split("/");
    for (let n = 1; n <= parts.length; n++) {
      const prefix = parts.slice(0, n).join("/");
      if (regexes.some((r) => r.test(prefix))) return true;
    }
    return false;
  };
}

/** What a stage has set up so far; the final stage's is the image's. */
interface StageState {
  /** The stage's directory: its paths are the image's paths below it. */
  root: string;
  /** WORKDIR (a path inside the image). */
  workdir: string;
  env: Record<string, string>;
  user?: string;
  cmd?: string[];
  entrypoint?: string[];
  /** HEALTHCHECK's CMD (exec form). */
  healthcheck?: string[];
}

export interface ReplayedImage extends StageState {
  /** Steps not replayed, with the reason. */
  skipped: string[];
}

/** ENV's `A=1 B="two"` or legacy `A 1` form. */
function parseEnv(args: string): Record<string, string> {
  if (!/^\S+=/.test(args)) {
    const [name, ...rest] = args.split(/\s+/);
    return { [name!]: rest.join(" ") };
  }
  const env: Record<string, string> = {};
  for (const m of args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|\S*)/g))
    env[m[1]!] = m[2]!.startsWith('"') ? (JSON.parse(m[2]!) as string) : m[2]!;
  return env;
}

/** Exec form (JSON) as it is, shell form through /bin/sh -c, as Docker runs them. */
function parseCommand(args: string): string[] {
  return args.startsWith("[") ? (JSON.parse(args) as string[]) : ["/bin/sh", "-c", args];
}

function run(argv: string[], cwd: string, env: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    child.stderr.on("data", (d) => {
      out += d;
    });
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolve() : reject(new Error(`${argv.join(" ")} exited ${code}:\n${out.slice(-4000)}`)),
    );
  });
}

/**
 * Replays `dockerfile` (relative to `context`) into `dir`: one subdirectory per stage. `buildEnv` is the
 * environment the RUN steps get besides the stages' ENV (PATH, HOME for npm's cache).
 */
export async function replayImage(opts: {
  context: string;
  dockerfile: string;
  dir: string;
  buildEnv: Record<string, string>;
  /** Progress: how long each RUN step took. */
  log?: (line: string) => void;
}): Promise<ReplayedImage> {
  const stages = parseDockerfile(readFileSync(join(opts.context, opts.dockerfile), "utf8"));
  const ignored = dockerignore(opts.context);
  const done = new Map<string, StageState>();
  const skipped: string[] = [];
  let last: StageState | undefined;
  for (const [index, stage] of stages.entries()) {
    const base = done.get(stage.from);
    const state: StageState = base
      ? { ...base, root: join(opts.dir, `${index}-${stage.name}`), env: { ...base.env } }
      : { root: join(opts.dir, `${index}-${stage.name}`), workdir: "/", env: {} };
    mkdirSync(state.root, { recursive: true });
    if (base) await run(["cp", "-a", `${base.root}/.`, state.root], opts.dir, opts.buildEnv);
    else skipped.push(`${stage.name}: the contents of the base image ${stage.from}`);
    const inImage = (root: string, p: string) => join(root, posix.resolve(state.workdir, p));
    for (const { keyword, args, line } of stage.instructions) {
      const where = `${opts.dockerfile}:${line}`;
      switch (keyword) {
        case "WORKDIR":
          state.workdir = posix.resolve(state.workdir, args);
          mkdirSync(join(state.root, state.workdir), { recursive: true });
          break;
        case "ENV":
          Object.assign(state.env, parseEnv(args));
          break;
        case "USER":
          state.user = args;
          break;
        case "CMD":
          state.cmd = parseCommand(args);
          break;
        case "ENTRYPOINT":
          state.entrypoint = parseCommand(args);
          break;
        case "HEALTHCHECK": {
          const cmd = args.match(/(?:^|\s)CMD\s+(.*)$/);
          state.healthcheck = cmd ? parseCommand(cmd[1]!) : undefined;
          break;
        }
        case "EXPOSE":
        case "LABEL":
          break;
        case "COPY": {
          const words = args.split(/\s+/);
          let from: StageState | undefined;
          while (words[0]?.startsWith("--")) {
            const flag = words.shift()!;
            const fromFlag = flag.match(/^--from=(.+)$/);
            if (fromFlag) {
              from = done.get(fromFlag[1]!);
              if (!from) throw new Error(`${where}: no stage "${fromFlag[1]}" before this one`);
            } else if (flag.startsWith("--chown=")) {
              skipped.push(`${where}: ${flag} (files stay root's, readable by the unprivileged user)`);
            } else throw new Error(`${where}: COPY ${flag} is not replayed`);
          }
          const dest = words.pop()!;
          if (words.length === 0) throw new Error(`${where}: COPY without a source`);
          if (words.some((w) => /[*?[]/.test(w))) throw new Error(`${where}: COPY wildcards are not replayed`);
          for (const src of words) {
            // --from sources are paths in that stage's filesystem, from its root.
            const source = from ? join(from.root, posix.resolve("/", src)) : join(opts.context, src);
            const rel = relative(opts.context, source);
            if (!from && (rel.startsWith("..") || isAbsolute(rel)))
              throw new Error(`${where}: ${src} is outside the build context`);
            if (!from && ignored(rel)) throw new Error(`${where}: ${src} is excluded by .dockerignore`);
            if (!existsSync(source)) throw new Error(`${where}: COPY ${src}: no such file or directory`);
            const isDir = statSync(source).isDirectory();
            // A directory's contents go into dest; a file goes into dest/ when dest is a directory.
            const target =
              isDir || !(dest.endsWith("/") || words.length > 1)
                ? inImage(state.root, dest)
                : join(inImage(state.root, dest), basename(src));
            mkdirSync(dirname(target), { recursive: true });
            // From a stage, everything as it is (cp keeps node_modules' workspace symlinks, and is ~10×
            // faster than fs.cp on node_modules); from the context, without what .dockerignore excludes.
            if (from) await run(["cp", "-a", isDir ? `${source}/.` : source, target], opts.dir, opts.buildEnv);
            else
              await cp(source, target, {
                recursive: true,
                verbatimSymlinks: true,
                filter: (p) => !ignored(relative(opts.context, p)),
              });
          }
          break;
        }
        case "RUN": {
          const steps = args.split(/\s*&&\s*/);
          if (!steps.every((s) => /^(npm|node)\s/.test(s))) {
            skipped.push(`${where}: RUN ${args.slice(0, 60)}… (not an npm/node step)`);
            break;
          }
          const started = Date.now();
          await run(["/bin/sh", "-c", args], join(state.root, state.workdir), { ...opts.buildEnv, ...state.env });
          opts.log?.(`${where}: RUN ${args.slice(0, 60)}… ${((Date.now() - started) / 1000).toFixed(1)} s`);
          break;
        }
        default:
          throw new Error(`${where}: ${keyword} is not replayed`);
      }
    }
    done.set(stage.name, state);
    last = state;
  }
  if (!last) throw new Error(`${opts.dockerfile}: no FROM`);
  return { ...last, skipped };
}
