// A production dry run without Docker: every Dockerfile that docker-compose.yml builds is replayed into a
// temp directory (scripts/test/dockerfile-replay.ts: the same file lists, .dockerignore, npm install,
// build and prune), and the results are started the way compose starts the containers — the final
// stage's CMD from its WORKDIR, as an unprivileged user, with the environment compose gives each service
// (resolved by docker-compose from an .env of strong secrets), host names swapped for the real test
// servers on loopback (PostgreSQL with an empty database the services migrate, Redis under a prefix of
// its own, clamd, s3rver standing in for MinIO), behind the client image's nginx template rendered as
// its entrypoint does. Then a user's first steps go through nginx: register, a group, a message over
// socket.io to another user's socket, an upload, its download. A file missing from an image, a runtime
// dependency left out by the prune, or a wrong path fails here rather than on an operator's first start.
// Not replayed: the base images (the machine's Node 20 runs what the images run on Node 24, its nginx
// 1.22 what they serve with 1.28) and the apt-get step (the machine's ffmpeg).
import assert from "node:assert/strict";
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  createTestDatabase,
  freePort,
  type RunningClamd,
  type RunningS3,
  startClamd,
  startS3,
  type TestDatabase,
} from "@messenger/common/testing";
import type { Attachment, AuthResponse, ConversationResponse, Message } from "@messenger/protocol";
import sharp from "sharp";
import { io, type Socket } from "socket.io-client";
import { dropRedisKeys } from "../../services/chat-service/test/helpers.js";
import { type Compose, envWithSecrets, ROOT, resolveCompose } from "./compose-config.js";
import { type ReplayedImage, replayImage } from "./dockerfile-replay.js";
import { type RunningNginx, request, startNginx } from "./nginx-harness.js";

const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const REDIS_PREFIX = `dryrun-${randomBytes(4).toString("hex")}`;
const PASSWORD = "correct horse battery staple";

/** The images' USER is not root; as root here, the services run as `nobody` (files stay root's, as in the image). */
const unprivileged =
  process.getuid?.() === 0
    ? {
        uid: Number(execFileSync("id", ["-u", "nobody"], { encoding: "utf8" })),
        gid: Number(execFileSync("id", ["-g", "nobody"], { encoding: "utf8" })),
      }
    : undefined;

interface RunningService {
  name: string;
  port: number;
  env: Record<string, string>;
  process: ChildProcess;
  output: () => string;
}

let dir: string;
let stack: Compose;
let secrets: Record<string, string>;
const images = new Map<string, ReplayedImage>();
const replayLog: string[] = [];
let db: TestDatabase;
let clamd: RunningClamd;
let s3: RunningS3;
const services = new Map<string, RunningService>();
let nginx: RunningNginx;
const sockets: Socket[] = [];

/** The Dockerfile compose builds a service's image from. */
const dockerfileOf = (service: string) => stack.services[service]!.build!.dockerfile;

/** compose's environment for a service, on the image's ENV, with the hosts of the stack replaced by loopback servers. */
function environmentOf(service: string, image: ReplayedImage, own: { port: number; home: string; tmp: string }) {
  const composed = Object.fromEntries(
    Object.entries(stack.services[service]!.environment ?? {}).map(([k, v]) => [k, v ?? ""]),
  );
  const env: Record<string, string> = { PATH: process.env.PATH!, HOME: own.home, ...image.env, ...composed };
  const swapped = new Set<string>();
  const swap = (name: string, expected: RegExp, value: string) => {
    if (env[name] === undefined) return;
    swapped.add(name);
    assert.match(env[name], expected, `${service}: ${name} no longer points where the dry run expects`);
    env[name] = value;
  };
  // The test database's admin has no password (trust on loopback), which production accepts as well.
  swap("DATABASE_URL", /@postgres:5432\//, db.url);
  swap("REDIS_URL", /^redis:\/\/redis:6379$/, REDIS_URL);
  if (env.REDIS_URL) env.REDIS_PREFIX = REDIS_PREFIX;
  swap("MINIO_ENDPOINT", /^minio$/, s3.endPoint);
  swap("MINIO_PORT", /^9000$/, String(s3.port));
  swap("CLAMD_HOST", /^clamav$/, clamd.host);
  swap("CLAMD_PORT", /^3310$/, String(clamd.port));
  // nginx reaches the services from loopback here, not from its fixed address on the backend network.
  swap("TRUSTED_PROXIES", /^\d+\.\d+\.\d+\.\d+$/, "127.0.0.1");
  swap("HOST", /^0\.0\.0\.0$/, "127.0.0.1");
  env.PORT = String(own.port);
  // The dry run registers two people on a fresh install (the second would need an invite).
  if (service.startsWith("chat-service")) env.REGISTRATION = "open";
  // compose's tmpfs at /tmp/media (mode 1777).
  swap("TMP_DIR", /^\/tmp\/media$/, own.tmp);
  swap("MINIO_LOCAL_DIR", /^\/tmp\/media\//, join(own.tmp, "s3"));
  // Whatever else compose hands out must not need a host of the stack.
  for (const name of Object.keys(composed).filter((n) => !swapped.has(n)))
    for (const host of Object.keys(stack.services))
      assert.doesNotMatch(
        env[name]!,
        new RegExp(`(^|[/@])${host}(:\\d|$)`),
        `${service}: ${name} names ${host}, which the dry run does not stand in for`,
      );
  return env;
}

/** The final stage's CMD (`node …`) from its WORKDIR, as the image's unprivileged user; resolves once /readyz answers 200. */
async function startService(service: string): Promise<RunningService> {
  const image = images.get(dockerfileOf(service))!;
  const [program, ...args] = image.cmd ?? [];
  assert.equal(program, "node", `${service}: CMD ${image.cmd?.join(" ")}`);
  const own = { port: await freePort(), home: join(dir, "home", service), tmp: join(dir, "tmp", service) };
  for (const d of [own.home, own.tmp]) {
    mkdirSync(d, { recursive: true });
    if (unprivileged) chownSync(d, unprivileged.uid, unprivileged.gid);
  }
  const env = environmentOf(service, image, own);
  const child = spawn(process.execPath, args, {
    cwd: join(image.root, image.workdir),
    env,
    stdio: ["ignore", "pipe", "pipe"],
    ...(unprivileged ?? {}),
  });
  let out = "";
  const keep = (d: Buffer) => {
    out = (out + d.toString()).slice(-20_000);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const running: RunningService = { name: service, port: own.port, env, process: child, output: () => out };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${service} exited ${child.exitCode}:\n${out.slice(-4000)}`);
    const ready = await fetch(`http://127.0.0.1:${own.port}/readyz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ready) return running;
    if (Date.now() > deadline) throw new Error(`${service} was not ready within 60 s:\n${out.slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 100)); // polling a condition (ready), bounded
  }
}

async function stopService(s: RunningService) {
  if (s.process.exitCode !== null || s.process.signalCode !== null) return;
  const exited = new Promise((r) => s.process.once("exit", r));
  s.process.kill("SIGTERM");
  const kill = setTimeout(() => s.process.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(kill);
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "messenger-dryrun-"));
  chmodSync(dir, 0o755); // the unprivileged user reads the images below it
  const envFile = join(dir, ".env");
  writeFileSync(envFile, envWithSecrets());
  secrets = Object.fromEntries(
    readFileSync(envFile, "utf8")
      .split("\n")
      .filter((l) => /^[A-Z_]+=/.test(l))
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
  stack = resolveCompose(envFile);
  const dockerfiles = [...new Set(Object.values(stack.services).flatMap((s) => (s.build ? [s.build.dockerfile] : [])))];
  const started = Date.now();
  // The three builds share no step whose inputs are the same (each installs its own workspace), so they
  // run side by side, with the test servers starting meanwhile.
  const buildEnv = { PATH: process.env.PATH!, HOME: process.env.HOME ?? "/root", npm_config_prefer_offline: "true" };
  const [replayed] = await Promise.all([
    Promise.all(
      dockerfiles.map((dockerfile, i) =>
        replayImage({
          context: ROOT,
          dockerfile,
          dir: join(dir, "images", String(i)),
          buildEnv,
          log: (line) => replayLog.push(line),
        }).then((image) => [dockerfile, image] as const),
      ),
    ),
    createTestDatabase({ empty: true }).then((d) => {
      db = d;
    }),
    startClamd().then((c) => {
      clamd = c;
    }),
    startS3({ credentials: { accessKey: secrets.MINIO_ACCESS_KEY!, secretKey: secrets.MINIO_SECRET_KEY! } }).then(
      (s) => {
        s3 = s;
      },
    ),
  ]);
  for (const [dockerfile, image] of replayed) images.set(dockerfile, image);
  replayLog.push(`images replayed in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  // Both chat-service instances and media-service start together on the empty database, as compose
  // starts them: the migrations run once, under their advisory lock.
  const names = Object.entries(stack.services)
    .filter(([, s]) => s.build && images.get(s.build.dockerfile)?.cmd?.[0] === "node")
    .map(([n]) => n);
  for (const s of await Promise.all(names.map(startService))) services.set(s.name, s);

  const web = [...Object.entries(stack.services)].find(([, s]) => s.build?.dockerfile === "client/Dockerfile")!;
  const webImage = images.get(web[1].build!.dockerfile)!;
  const templates = join(webImage.root, "etc", "nginx", "templates");
  nginx = await startNginx({
    template: readFileSync(join(templates, "default.conf.template"), "utf8"),
    env: Object.fromEntries(Object.entries(web[1].environment ?? {}).map(([k, v]) => [k, v ?? ""])),
    chatPorts: [services.get("chat-service-1")!.port, services.get("chat-service-2")!.port],
    mediaPort: services.get("media-service")!.port,
    html: join(webImage.root, "usr", "share", "nginx", "html"),
    dir: join(dir, "nginx"),
    user: unprivileged,
  });
});

after(async () => {
  for (const s of sockets) s.disconnect();
  await nginx?.stop();
  await Promise.all([...services.values()].map(stopService));
  await clamd?.stop();
  await s3?.stop();
  await db?.drop();
  await dropRedisKeys(REDIS_URL, REDIS_PREFIX).catch(() => {});
  rmSync(dir, { recursive: true, force: true });
});

async function register(username: string): Promise<AuthResponse> {
  const res = await request(`${nginx.base}/api/auth/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password: PASSWORD }),
  });
  assert.equal(res.status, 201, res.body);
  return JSON.parse(res.body) as AuthResponse;
}

function connect(token: string) {
  const socket = io(nginx.base, {
    transports: ["websocket"],
    forceNew: true,
    reconnection: false,
    auth: { token },
    rejectUnauthorized: false,
  });
  sockets.push(socket);
  return new Promise<Socket>((resolve, reject) => {
    socket.once("connect", () => resolve(socket));
    socket.once("connect_error", reject);
  });
}

/** POST /api/media through nginx: conversationId, then the file (multipart), with the bearer token. */
async function upload(token: string, conversationId: string, file: Buffer, name: string, type: string) {
  const form = new FormData();
  form.append("conversationId", conversationId);
  form.append("file", new Blob([file], { type }), name);
  const encoded = new Response(form);
  const res = await request(`${nginx.base}/api/media`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${token}`,
      "content-type": encoded.headers.get("content-type")!,
    },
    body: Buffer.from(await encoded.arrayBuffer()),
  });
  assert.equal(res.status, 201, res.body);
  return (JSON.parse(res.body) as { attachment: Attachment }).attachment;
}

/** Polls the attachment's state until it is ready (bounded). */
async function ready(token: string, attachment: Attachment): Promise<Attachment> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const res = await request(`${nginx.base}/api/media/${attachment.id}/info`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(res.status, 200, res.body);
    const current = (JSON.parse(res.body) as { attachment: Attachment }).attachment;
    if (current.status === "ready") return current;
    assert.notEqual(current.status, "failed");
    assert.ok(Date.now() < deadline, `attachment still ${current.status}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("a production dry run of the images compose builds", () => {
  test("every Dockerfile replays: its npm steps run, and only base images and apt-get are left out", (t) => {
    assert.ok(images.size >= 3, [...images.keys()].join(", "));
    for (const line of replayLog) t.diagnostic(line);
    for (const [dockerfile, image] of images) {
      for (const note of image.skipped) {
        t.diagnostic(`${dockerfile}: not replayed: ${note}`);
        assert.match(note, /the contents of the base image|RUN apt-get/, `${dockerfile}: ${note}`);
      }
    }
  });

  test("the service images carry no package that only development needs", () => {
    // The lockfile marks `dev` what only devDependencies (of any workspace or the root) pull in.
    const lock = JSON.parse(readFileSync(join(ROOT, "package-lock.json"), "utf8")) as {
      packages: Record<string, { dev?: boolean }>;
    };
    for (const service of ["chat-service-1", "media-service"]) {
      const image = images.get(dockerfileOf(service))!;
      const modules = join(image.root, image.workdir, "node_modules");
      assert.ok(existsSync(join(modules, "fastify")), `${service}: no node_modules`);
      const installed = readdirSync(modules).flatMap((name) =>
        name.startsWith("@") ? readdirSync(join(modules, name)).map((n) => `${name}/${n}`) : [name],
      );
      const dev = installed.filter((name) => lock.packages[`node_modules/${name}`]?.dev);
      assert.deepEqual(dev, [], `${service}'s image holds development packages: ${dev.join(", ")}`);
    }
  });

  test("the services run unprivileged from the image's WORKDIR and pass the image's HEALTHCHECK", async () => {
    for (const s of services.values()) {
      const uid = readFileSync(`/proc/${s.process.pid}/status`, "utf8").match(/^Uid:\s+(\d+)/m)?.[1];
      assert.notEqual(uid, "0", `${s.name} runs as root`);
      const image = images.get(dockerfileOf(s.name))!;
      const [program, ...args] = image.healthcheck ?? [];
      assert.equal(program, "node", `${s.name}: HEALTHCHECK ${image.healthcheck?.join(" ")}`);
      const status = await new Promise<number | null>((resolve) =>
        spawn(process.execPath, args, { cwd: join(image.root, image.workdir), env: s.env, ...(unprivileged ?? {}) }).on(
          "exit",
          resolve,
        ),
      );
      assert.equal(status, 0, `${s.name}'s HEALTHCHECK failed`);
    }
  });

  test("nginx serves the built client: the page and the scripts it loads", async () => {
    const page = await request(`${nginx.base}/`);
    assert.equal(page.status, 200);
    const scripts = [...page.body.matchAll(/<script[^>]+src="([^"]+)"/g)].map((m) => m[1]!);
    assert.ok(scripts.length > 0, page.body);
    for (const src of scripts) {
      const script = await request(`${nginx.base}${src}`);
      assert.equal(script.status, 200, src);
      assert.match(String(script.headers["content-type"]), /javascript/);
    }
  });

  let alice: AuthResponse;
  let bob: AuthResponse;
  let group: string;

  test("two people register, one opens a group, and a message reaches the other's socket through nginx", async () => {
    alice = await register("alice");
    bob = await register("bob");
    const created = await request(`${nginx.base}/api/conversations`, {
      method: "POST",
      headers: { authorization: `Bearer ${alice.accessToken}`, "content-type": "application/json" },
      body: JSON.stringify({ kind: "group", title: "Launch", memberIds: [bob.user.id] }),
    });
    assert.equal(created.status, 201, created.body);
    group = (JSON.parse(created.body) as ConversationResponse).conversation.id;
    const [a, b] = await Promise.all([connect(alice.accessToken), connect(bob.accessToken)]);
    assert.equal(b.io.engine.transport.name, "websocket");
    const received = new Promise<Message>((resolve) =>
      b.on("message:new", (m: Message) => {
        if (m.body === "first day in production") resolve(m);
      }),
    );
    const ack = await new Promise<{ ok: boolean }>((resolve) =>
      a.emit(
        "message:send",
        { conversationId: group, clientId: "dry-run-1", body: "first day in production" },
        resolve,
      ),
    );
    assert.equal(ack.ok, true, JSON.stringify(ack));
    const message = await received;
    assert.equal(message.conversationId, group);
    assert.equal(message.senderId, alice.user.id);
  });

  test("a file uploaded through nginx is scanned, stored in the bucket and downloaded unchanged", async () => {
    const file = Buffer.from(`launch checklist ${Date.now()}\n`);
    const sent = await ready(
      alice.accessToken,
      await upload(alice.accessToken, group, file, "checklist.txt", "text/plain"),
    );
    const download = await request(`${nginx.base}${sent.url}`, {
      headers: { authorization: `Bearer ${bob.accessToken}` },
    });
    assert.equal(download.status, 200, download.body);
    assert.deepEqual(download.bytes, file);
  });

  test("a PNG uploaded through nginx is processed (sharp's native module is in the image) and downloads as the picture", async () => {
    const png = await sharp({ create: { width: 48, height: 32, channels: 3, background: "#2a6" } })
      .png()
      .toBuffer();
    const photo = await ready(alice.accessToken, await upload(alice.accessToken, group, png, "team.png", "image/png"));
    const download = await request(`${nginx.base}${photo.url}`, {
      headers: { authorization: `Bearer ${bob.accessToken}` },
    });
    assert.equal(download.status, 200, download.body);
    assert.equal(download.headers["content-type"], photo.mime);
    const meta = await sharp(download.bytes).metadata();
    assert.deepEqual([meta.width, meta.height], [48, 32]);
    assert.ok(photo.thumbnailUrl, "a thumbnail was made");
    const thumb = await request(`${nginx.base}${photo.thumbnailUrl}`, {
      headers: { authorization: `Bearer ${bob.accessToken}` },
    });
    assert.equal(thumb.status, 200);
  });
});
