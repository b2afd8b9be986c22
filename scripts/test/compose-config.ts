// docker-compose.yml as Compose resolves it (interpolation from an .env file, anchors and merges),
// read offline with Debian's docker-compose 1.29 (`config`) and the PyYAML it comes with.
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";

export const ROOT = join(import.meta.dirname, "..", "..");

export interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  environment?: Record<string, string | null>;
  healthcheck?: { test: string[] | string; disable?: boolean };
  restart?: string;
  ports?: ({ target: number; published?: number | string; protocol?: string } | string)[];
  network_mode?: string;
  env_file?: string[];
  volumes?: unknown[];
}
export interface Compose {
  services: Record<string, Service>;
}

export function compose(args: string[]) {
  return spawnSync("docker-compose", ["-f", "docker-compose.yml", ...args], { cwd: ROOT, encoding: "utf8" });
}

/** The stack with the variables of `envFile` (a path relative to the repository root, or absolute). */
export function resolveCompose(envFile: string): Compose {
  const out = compose(["--env-file", envFile, "config"]);
  if (out.status !== 0) throw new Error(`docker-compose config: ${out.stderr}`);
  const json = execFileSync(
    "python3",
    ["-c", "import sys, yaml, json; json.dump(yaml.safe_load(sys.stdin), sys.stdout)"],
    { input: out.stdout, encoding: "utf8" },
  );
  return JSON.parse(json) as Compose;
}

/** .env.example with every change-me value replaced by a secret made as the docs say (`openssl rand -hex 32`). */
export function envWithSecrets(): string {
  return readFileSync(join(ROOT, ".env.example"), "utf8").replaceAll(
    /^([A-Z_]+)=change-me\S*$/gm,
    (_, name: string) => `${name}=${randomBytes(32).toString("hex")}`,
  );
}
