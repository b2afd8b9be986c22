// The production stack (docker-compose.yml) cannot run here (no Docker engine), so it is checked the way
// an operator's first `docker compose up` would fail: Compose's own offline validation, then the wiring
// between services — every variable a service reads is set, ports, routes and secrets agree, and
// every long-running container has a healthcheck.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { before, describe, test } from "node:test";
import { type Compose, compose, ROOT, resolveCompose, type Service } from "./compose-config.js";

const read = (p: string) => readFileSync(join(ROOT, p), "utf8");

/** Variable names a service's src/config.ts parses from the environment (the keys of its zod schema). */
function configVariables(service: string): string[] {
  const src = read(`services/${service}/src/config.ts`);
  return [...src.matchAll(/^\s+([A-Z][A-Z0-9_]*):\s*(?:z\.|bool\b)/gm)].map((m) => m[1]!);
}

/** .env.example without one variable's line. */
function exampleWithout(name: string): string {
  return read(".env.example")
    .split("\n")
    .filter((l) => !l.startsWith(`${name}=`))
    .join("\n");
}

let stack: Compose;
before(() => {
  stack = resolveCompose(".env.example");
});

describe("docker-compose.yml", () => {
  test("passes docker-compose's offline validation with an .env, and refuses to start without its secrets", () => {
    const bare = compose(["config", "-q"]);
    assert.notEqual(bare.status, 0, "compose accepted a stack without secrets");
    assert.match(bare.stderr, /set [A-Z_]+ in \.env/, bare.stderr);
    const withExample = compose(["--env-file", ".env.example", "config", "-q"]);
    assert.equal(withExample.status, 0, withExample.stderr);
    // .env.example names every variable the file needs: nothing falls back to a blank string.
    assert.doesNotMatch(withExample.stderr, /is not set/, withExample.stderr);
  });

  test("runs the whole production stack", () => {
    const names = Object.keys(stack.services);
    for (const s of [
      "postgres",
      "redis",
      "minio",
      "minio-init",
      "clamav",
      "coturn",
      "chat-service-1",
      "chat-service-2",
      "media-service",
      "nginx",
      "jitsi-web",
      "jitsi-prosody",
      "jitsi-jicofo",
      "jitsi-jvb",
    ]) {
      assert.ok(names.includes(s), `service ${s} missing`);
    }
    assert.match(stack.services.clamav!.image!, /^clamav\/clamav:/);
    assert.ok(
      (stack.services.postgres!.volumes ?? []).some((v) => JSON.stringify(v).includes("/var/lib/postgresql/data")),
      "postgres keeps its data in a volume",
    );
  });

  test("every image comes from a registry that still publishes it, at a pinned version", () => {
    for (const [name, svc] of Object.entries(stack.services)) {
      if (svc.build) continue;
      const image = svc.image!;
      assert.doesNotMatch(image, /:(latest|stable|unstable)$|^[^:]+$/, `${name}: ${image} is not pinned`);
      // Docker Hub no longer serves MinIO (removed 2026) and Jitsi's images there are frozen.
      assert.doesNotMatch(image, /^(docker\.io\/)?(minio|jitsi)\//, `${name}: ${image} is gone from Docker Hub`);
    }
    assert.match(stack.services.minio!.image!, /^quay\.io\/minio\/minio:RELEASE\.\d{4}-\d\d-\d\dT/);
    assert.match(stack.services["minio-init"]!.image!, /^quay\.io\/minio\/mc:RELEASE\./);
    const jitsi = ["jitsi-web", "jitsi-prosody", "jitsi-jicofo", "jitsi-jvb"].map((n) => stack.services[n]!.image!);
    for (const image of jitsi) assert.match(image, /^ghcr\.io\/jitsi\/[a-z]+:stable-\d{4,}(-\d+)?$/);
    assert.equal(new Set(jitsi.map((i) => i.split(":")[1])).size, 1, "the four Jitsi images share one version");
    // Newer Jitsi images keep prosody's config in /run/prosody/config and serve HTTP on 8000.
    assert.doesNotMatch(JSON.stringify(stack.services["jitsi-prosody"]!.healthcheck), /\/config\/prosody\.cfg\.lua/);
    assert.match(JSON.stringify(stack.services["jitsi-web"]!.healthcheck), /127\.0\.0\.1:8000\//);
    assert.match(read("scripts/deploy/nginx.conf.template"), /jitsi-web:8000/);
  });

  test("the service images run the current Node LTS", () => {
    for (const file of ["services/chat-service/Dockerfile", "services/media-service/Dockerfile", "client/Dockerfile"])
      for (const from of read(file).match(/^FROM node:\S+/gm) ?? []) assert.match(from, /^FROM node:24-/, file);
  });

  test("clamd reports encrypted archives and gets the image's own first-start time", () => {
    const clamav = stack.services.clamav as Omit<Service, "volumes"> & {
      healthcheck: { start_period?: string };
      volumes?: string[];
    };
    // The image reads only /etc/clamav/clamd.conf (no environment overrides): compose mounts ours there.
    const mount = (clamav.volumes ?? []).find((v) => v.includes(":/etc/clamav/clamd.conf"));
    assert.ok(mount, "clamd.conf is mounted");
    const confDir = mkdtempSync(join(tmpdir(), "clamconf-"));
    try {
      writeFileSync(join(confDir, "clamd.conf"), readFileSync(mount.split(":")[0]!, "utf8"));
      // clamd's own parser reads it: what it prints is what clamd would run with.
      const parsed = execFileSync("clamconf", ["-c", confDir], { encoding: "utf8" });
      assert.match(parsed, /^AlertEncrypted = "yes"$/m);
      const streamMax = Number(parsed.match(/^StreamMaxLength = "(\d+)"$/m)?.[1] ?? 0);
      assert.ok(streamMax >= 500 * 1024 * 1024, `StreamMaxLength ${streamMax} covers the largest video`);
    } finally {
      rmSync(confDir, { recursive: true, force: true });
    }
    // The clamav/clamav image's HEALTHCHECK says --start-period=6m (freshclam's first download).
    const period = clamav.healthcheck.start_period ?? "";
    const seconds = Number(period.match(/(\d+)m/)?.[1] ?? 0) * 60 + Number(period.match(/(\d+)s/)?.[1] ?? 0);
    assert.ok(seconds >= 360, `start_period ${period}`);
  });

  test("every secret compose hands out is required (VAR:? interpolation), so a missing one stops `up` with a message", () => {
    const file = read("docker-compose.yml");
    for (const name of [
      "POSTGRES_PASSWORD",
      "JWT_SECRET",
      "TURN_SECRET",
      "JITSI_APP_SECRET",
      "JICOFO_AUTH_PASSWORD",
      "JVB_AUTH_PASSWORD",
      "MINIO_SECRET_KEY",
    ]) {
      const uses = [...file.matchAll(new RegExp(`\\$\\{${name}(:[?-][^}]*)?\\}`, "g"))];
      assert.ok(uses.length > 0, `${name} unused`);
      for (const u of uses) assert.match(u[0], /^\$\{[A-Z_]+:\?/, `${u[0]} is not required`);
      const envFile = join(mkdtempSync(join(tmpdir(), "compose-env-")), ".env");
      writeFileSync(envFile, exampleWithout(name));
      const out = compose(["--env-file", envFile, "config", "-q"]);
      rmSync(dirname(envFile), { recursive: true });
      assert.notEqual(out.status, 0, `compose started without ${name}`);
      assert.match(out.stderr, new RegExp(`set ${name} in \\.env`), out.stderr);
    }
  });

  test("every long-running service has a healthcheck", () => {
    for (const [name, svc] of Object.entries(stack.services)) {
      if (svc.restart === "no") continue; // one-shot jobs (bucket creation)
      assert.ok(svc.healthcheck && !svc.healthcheck.disable, `${name} has no healthcheck`);
    }
  });

  for (const [service, instances] of [
    ["chat-service", ["chat-service-1", "chat-service-2"]],
    ["media-service", ["media-service"]],
  ] as const) {
    test(`every variable ${service}'s config reads is set for ${instances.join(" and ")}`, () => {
      const vars = configVariables(service);
      assert.ok(vars.length > 5, `found only ${vars.join(",")} in ${service}/src/config.ts`);
      // Alternatives to a variable that is set (clamd over TCP rather than a unix socket), lists
      // that are empty unless needed (other origins that may upload with the cookie), and features
      // that are off until an operator configures them (company sign-in; PUBLIC_URL falls back to the
      // request's own address).
      const alternatives = new Set([
        "CLAMD_SOCKET",
        "PUBLIC_ORIGINS",
        "PUBLIC_URL",
        "OIDC_ISSUER",
        "OIDC_CLIENT_ID",
        "OIDC_CLIENT_SECRET",
      ]);
      for (const instance of instances) {
        const env = stack.services[instance]!.environment ?? {};
        const missing = vars.filter(
          (v) => !alternatives.has(v) && (env[v] === undefined || env[v] === null || env[v] === ""),
        );
        assert.deepEqual(missing, [], `${instance} lacks ${missing.join(", ")}`);
        assert.equal(env.NODE_ENV, "production");
      }
    });
  }

  test("scale-out: both chat-service instances share Redis and the same secrets", () => {
    const [a, b] = [stack.services["chat-service-1"]!, stack.services["chat-service-2"]!];
    assert.deepEqual(a.environment, b.environment);
    assert.match(a.environment!.REDIS_URL!, /^redis:\/\/redis:6379/);
  });

  test("services that must agree on a secret get the same value", () => {
    const s = stack.services;
    const chat = s["chat-service-1"]!.environment!;
    const media = s["media-service"]!.environment!;
    assert.equal(chat.JWT_SECRET, media.JWT_SECRET, "media-service verifies chat-service's tokens");
    assert.equal(chat.TURN_SECRET, s.coturn!.environment!.TURN_SECRET, "coturn checks chat-service's TURN credentials");
    assert.equal(
      chat.JITSI_APP_SECRET,
      s["jitsi-prosody"]!.environment!.JWT_APP_SECRET,
      "prosody checks meeting tokens",
    );
    assert.equal(chat.JITSI_APP_ID, s["jitsi-prosody"]!.environment!.JWT_APP_ID);
    assert.equal(chat.JITSI_APP_ID, s["jitsi-prosody"]!.environment!.JWT_ACCEPTED_ISSUERS);
    const audience = read("services/chat-service/src/calls/jitsi.ts").match(/JITSI_AUDIENCE = "([^"]+)"/)?.[1];
    assert.equal(
      s["jitsi-prosody"]!.environment!.JWT_ACCEPTED_AUDIENCES,
      audience,
      "prosody accepts the tokens' audience",
    );
    assert.equal(s["jitsi-prosody"]!.environment!.AUTH_TYPE, "jwt");
    assert.equal(chat.DATABASE_URL, media.DATABASE_URL, "one schema for both services");
    const db = new URL(chat.DATABASE_URL!);
    const pg = s.postgres!.environment!;
    assert.equal(db.hostname, "postgres");
    assert.equal(decodeURIComponent(db.username), pg.POSTGRES_USER);
    assert.equal(decodeURIComponent(db.password), pg.POSTGRES_PASSWORD);
    assert.equal(db.pathname, `/${pg.POSTGRES_DB}`);
    assert.equal(media.MINIO_ENDPOINT, "minio");
    assert.equal(media.MINIO_ACCESS_KEY, s.minio!.environment!.MINIO_ROOT_USER);
    assert.equal(media.MINIO_SECRET_KEY, s.minio!.environment!.MINIO_ROOT_PASSWORD);
    assert.equal(
      media.MINIO_BUCKET,
      s["minio-init"]!.environment!.MINIO_BUCKET,
      "the bucket job creates the bucket media-service uses",
    );
    assert.equal(media.CLAMD_HOST, "clamav");
    assert.equal(media.CLAMD_PORT, "3310");
  });

  test("the Jitsi containers get jitsi/env.example's settings and the token_affiliation module", () => {
    // Deployment-specific keys of a standalone docker-jitsi-meet that this stack sets differently
    // (TLS and ports live in nginx here, config in named volumes).
    const standaloneOnly = new Set([
      "CONFIG",
      "HTTP_PORT",
      "HTTPS_PORT",
      "RESTART_POLICY",
      "ENABLE_LETSENCRYPT",
      "ENABLE_HTTP_REDIRECT",
    ]);
    const expected = read("jitsi/env.example")
      .split("\n")
      .filter((l) => /^[A-Z_]+=/.test(l))
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)] as const)
      .filter(([k]) => !standaloneOnly.has(k));
    assert.ok(expected.length > 10);
    const env = stack.services["jitsi-prosody"]!.environment!;
    const example = read(".env.example");
    const fromExample = (name: string) => example.match(new RegExp(`^${name}=(.*)$`, "m"))?.[1];
    for (const [key, value] of expected) {
      // <PLACEHOLDER> values come from .env (JITSI_DOMAIN, PUBLIC_IP, JITSI_APP_ID, …).
      const want = value.replace(/<([A-Z_]+)>/g, (_, name: string) => fromExample(name) ?? `<${name}>`);
      const have = env[key] ?? stack.services["jitsi-jvb"]!.environment![key];
      assert.equal(have, want, `${key}`);
    }
    assert.ok(
      JSON.stringify(stack.services["jitsi-prosody"]!.volumes).includes("jitsi/prosody-plugins-custom"),
      "prosody loads the token_affiliation module",
    );
  });

  test("coturn gets the production config, its secret and realm; browsers are told the same TURN host", () => {
    const coturn = stack.services.coturn!;
    assert.ok(JSON.stringify(coturn.volumes).includes("coturn/turnserver.conf"));
    const conf = read("coturn/turnserver.conf");
    const entry = JSON.stringify(coturn);
    // Every <placeholder> in the shipped config is filled in by the entrypoint.
    for (const placeholder of new Set(conf.match(/^[a-z-]+=.*<[A-Z_][^>]*>/gm) ?? [])) {
      const token = placeholder.slice(placeholder.indexOf("<"));
      assert.ok(entry.includes(token.replace(/"/g, '\\"')), `coturn entrypoint does not fill ${token}`);
    }
    const turnUrls = stack.services["chat-service-1"]!.environment!.TURN_URLS!.split(",");
    const turnHost = coturn.environment!.TURN_REALM;
    for (const u of turnUrls) assert.match(u, new RegExp(`^turns?:${turnHost}:(3478|5349)\\?transport=(udp|tcp)$`));
  });

  test("nginx routes /api/media, /api and /socket.io to the services on the ports they listen on", () => {
    const nginx = read("scripts/deploy/nginx.conf.template");
    const chatPort = stack.services["chat-service-1"]!.environment!.PORT;
    const mediaPort = stack.services["media-service"]!.environment!.PORT;
    const upstream = (name: string) => {
      const m = nginx.match(new RegExp(`upstream ${name} \\{([^}]*)\\}`));
      assert.ok(m, `upstream ${name} missing`);
      return m[1]!;
    };
    for (const name of ["chat_socket", "chat_api"]) {
      const block = upstream(name);
      assert.match(block, new RegExp(`server chat-service-1:${chatPort}\\b`));
      assert.match(block, new RegExp(`server chat-service-2:${chatPort}\\b`));
    }
    assert.match(upstream("media"), new RegExp(`server media-service:${mediaPort}\\b`));
    // Long-polling across two instances needs every request of a session on one instance.
    assert.match(upstream("chat_socket"), /\b(hash \$\S+ consistent|ip_hash);/);
    // The app's TLS server block (the plain-HTTP one only redirects).
    const app = nginx.slice(
      nginx.indexOf(`server_name \${PUBLIC_HOST};`),
      nginx.indexOf(`server_name \${JITSI_DOMAIN};`),
    );
    const location = (path: string) => {
      const m = app.match(new RegExp(`location ${path.replace(/[/.]/g, "\\$&")} \\{([^}]*)\\}`));
      assert.ok(m, `location ${path} missing`);
      return m[1]!;
    };
    assert.match(location("/api/media"), /proxy_pass http:\/\/media;/);
    assert.match(location("/api/"), /proxy_pass http:\/\/chat_api;/);
    const socket = location("/socket.io/");
    assert.match(socket, /proxy_pass http:\/\/chat_socket;/);
    // The WebSocket upgrade and the proxy headers are set once for the server; a location with a
    // proxy_set_header of its own would silently drop all of them (nginx inherits all or nothing).
    const serverLevel = app.slice(0, app.search(/^\s*location /m));
    assert.match(serverLevel, /proxy_set_header Upgrade \$http_upgrade;/);
    assert.match(serverLevel, /proxy_set_header Connection \$connection_upgrade;/);
    assert.match(serverLevel, /proxy_set_header X-Request-Id \$request_id;/);
    for (const path of ["/api/media", "/api/", "/socket.io/"])
      assert.doesNotMatch(location(path), /proxy_set_header/, `${path} would lose the server's proxy headers`);
    // /api/media must win over /api/ (nginx picks the longest prefix), and the client is served for the rest.
    assert.match(location("/"), /try_files \$uri \/index\.html;/);
    // The service containers' healthchecks probe the port the service listens on.
    assert.ok(JSON.stringify(stack.services["chat-service-1"]!.healthcheck).includes(`127.0.0.1:${chatPort}/`));
    assert.ok(JSON.stringify(stack.services["media-service"]!.healthcheck).includes(`127.0.0.1:${mediaPort}/`));
    // Public ports reach nginx's unprivileged listeners.
    const targets = (stack.services.nginx!.ports ?? []).map((p) => (typeof p === "string" ? p : String(p.target)));
    assert.ok(targets.some((p) => p.includes("8443")) && targets.some((p) => p.includes("8080")));
    assert.match(nginx, /listen 8443 ssl/);
    assert.match(nginx, /listen 8080/);
  });

  test("the services' default ports are the ones compose and nginx use", () => {
    assert.match(read("services/chat-service/src/config.ts"), /PORT: z\.coerce\.number\(\)[^\n]*\.default\(4000\)/);
    assert.match(read("services/media-service/src/config.ts"), /PORT: z\.coerce\.number\(\)[^\n]*\.default\(4001\)/);
  });

  test("Dockerfiles are multi-stage, run as a non-root user and carry a healthcheck", () => {
    for (const [name, svc] of Object.entries(stack.services)) {
      if (!svc.build) continue;
      const file = read(svc.build.dockerfile);
      assert.ok((file.match(/^FROM /gm) ?? []).length >= 2, `${svc.build.dockerfile} is not multi-stage`);
      const runtime = file.slice(file.lastIndexOf("\nFROM "));
      assert.ok(/^USER (?!root\b|0\b)\S+/m.test(runtime) || /nginx-unprivileged/.test(runtime), `${name} runs as root`);
      assert.match(runtime, /^HEALTHCHECK /m, `${svc.build.dockerfile} has no HEALTHCHECK`);
    }
  });
});
