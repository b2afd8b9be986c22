// The production nginx config (scripts/deploy/nginx.conf.template), run by a real nginx in front of
// two real chat-service instances and a media-service on loopback: TLS, the routes, the WebSocket
// upgrade, and the sticky sessions socket.io's long-polling fallback needs across instances.
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { buildApp as buildChat, loadConfig as loadChatConfig } from "@messenger/chat-service";
import { createTestDatabase, eventually, type TestDatabase } from "@messenger/common/testing";
import { buildApp as buildMedia, loadConfig as loadMediaConfig } from "@messenger/media-service";
import type { AuthResponse, ConversationResponse } from "@messenger/protocol";
import type { FastifyInstance } from "fastify";
import { io, type Socket } from "socket.io-client";
import { type RunningNginx, request, startNginx } from "./nginx-harness.js";

const ROOT = join(import.meta.dirname, "..", "..");
const JWT_SECRET = "nginx-test-secret";

let db: TestDatabase;
let dir: string;
let nginx: RunningNginx;
let base: string;
let httpBase: string;
const chats: FastifyInstance[] = [];
let media: FastifyInstance;
const sockets: Socket[] = [];

const LOGIN_LIMIT = 3;

async function listen(app: FastifyInstance) {
  await app.listen({ port: 0, host: "127.0.0.1" });
  return (app.server.address() as AddressInfo).port;
}

before(async () => {
  db = await createTestDatabase();
  dir = mkdtempSync(join(tmpdir(), "messenger-nginx-"));
  chmodSync(dir, 0o755);
  const chatPorts: number[] = [];
  for (let i = 0; i < 2; i++) {
    const app = await buildChat(
      loadChatConfig({
        DATABASE_URL: db.url,
        NODE_ENV: "test",
        LOG_LEVEL: "silent",
        JWT_SECRET,
        // Every test user comes from 127.0.0.1.
        REGISTRATIONS_PER_HOUR: "1000",
        REGISTRATION: "open",
        LOGIN_ATTEMPTS_PER_MINUTE: String(LOGIN_LIMIT),
      }),
    );
    chats.push(app);
    chatPorts.push(await listen(app));
  }
  media = await buildMedia(
    loadMediaConfig({
      DATABASE_URL: db.url,
      NODE_ENV: "test",
      LOG_LEVEL: "silent",
      JWT_SECRET,
      MINIO_LOCAL_DIR: join(dir, "s3"),
      MINIO_PORT: 0, // the embedded S3 server on any free port, not the default 9000
      TMP_DIR: join(dir, "media-tmp"),
      VIDEO_WORKER: "false",
    }),
  );
  const mediaPort = await listen(media);

  const html = join(dir, "html");
  mkdirSync(join(html, "assets"), { recursive: true });
  writeFileSync(join(html, "index.html"), "<!doctype html><title>Staff Messenger</title><div id=root></div>\n");
  writeFileSync(join(html, "assets", "index-abc123.js"), "console.log('app')\n");
  writeFileSync(join(html, "assets", "index-abc123.js.map"), '{"version":3,"sources":["src/secret.ts"]}\n');
  nginx = await startNginx({
    template: readFileSync(join(ROOT, "scripts", "deploy", "nginx.conf.template"), "utf8"),
    env: { PUBLIC_HOST: "localhost", JITSI_DOMAIN: "meet.localhost" },
    chatPorts: [chatPorts[0]!, chatPorts[1]!],
    mediaPort,
    html,
    dir: join(dir, "nginx"),
  });
  ({ base, httpBase } = nginx);
});

after(async () => {
  for (const s of sockets) s.disconnect();
  await nginx?.stop();
  for (const app of chats) await app.close();
  await media?.close();
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

async function registerUser(name: string) {
  const res = await request(`${base}/api/auth/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: `${name}${process.pid}`, password: "correct horse battery" }),
  });
  assert.equal(res.status, 201, res.body);
  return JSON.parse(res.body) as AuthResponse;
}

async function ownGroup(token: string) {
  const res = await request(`${base}/api/conversations`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ kind: "group", title: "Notes", memberIds: [] }),
  });
  assert.equal(res.status, 201, res.body);
  return (JSON.parse(res.body) as ConversationResponse).conversation.id;
}

function connect(token: string, opts: { transports: ("polling" | "websocket")[]; cookie?: string }) {
  const socket = io(base, {
    transports: opts.transports,
    upgrade: false,
    forceNew: true,
    reconnection: false,
    auth: { token },
    rejectUnauthorized: false,
    extraHeaders: opts.cookie ? { cookie: opts.cookie } : {},
  });
  sockets.push(socket);
  return new Promise<Socket>((resolve, reject) => {
    socket.once("connect", () => resolve(socket));
    socket.once("connect_error", reject);
  });
}

function send(socket: Socket, conversationId: string, body: string) {
  return new Promise<{ ok: boolean }>((resolve) =>
    socket.emit("message:send", { conversationId, clientId: `${socket.id}-${body}`, body }, resolve),
  );
}

describe("nginx in front of two chat-service instances", () => {
  test("starts and serves the app while Jitsi is not deployed (jitsi-web does not resolve)", async () => {
    // before() got this far: nginx is up although jitsi-web has no address.
    assert.equal((await request(`${base}/`)).status, 200);
    const meeting = await request(`${base}/external_api.js`, { headers: { host: "meet.localhost" } });
    assert.equal(meeting.status, 502, "Jitsi's host answers, with an error, instead of nginx failing");
    assert.equal((await request(`${base}/`)).status, 200);
  });

  test("every response carries the security headers, whatever the location", async () => {
    const user = await registerUser("headers");
    const auth = { authorization: `Bearer ${user.accessToken}` };
    const replies = {
      page: await request(`${base}/`),
      route: await request(`${base}/some/client/route`),
      asset: await request(`${base}/assets/index-abc123.js`),
      missingAsset: await request(`${base}/assets/nope.js`),
      api: await request(`${base}/api/me`, { headers: auth }),
      apiError: await request(`${base}/api/me`),
      media: await request(`${base}/api/media/00000000-0000-4000-8000-000000000000`, { headers: auth }),
      health: await request(`${base}/healthz`),
      metrics: await request(`${base}/metrics`),
    };
    for (const [name, reply] of Object.entries(replies)) {
      const h = reply.headers;
      const csp = String(h["content-security-policy"]);
      assert.match(csp, /default-src 'self'/, name);
      assert.match(csp, /frame-ancestors 'none'/, name);
      assert.match(csp, /script-src 'self' https:\/\/meet\.localhost(;|$)/, name);
      assert.match(csp, /frame-src https:\/\/meet\.localhost(;|$)/, name);
      assert.match(csp, /connect-src 'self' wss:\/\/localhost(;|$)/, name);
      assert.match(csp, /img-src 'self' blob: data:/, name);
      assert.match(csp, /media-src 'self' blob:/, name);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/, name);
      assert.equal(h["x-frame-options"], "DENY", name);
      assert.equal(h["referrer-policy"], "same-origin", name);
      assert.equal(h["x-content-type-options"], "nosniff", name);
      assert.match(String(h["strict-transport-security"]), /max-age=\d+/, name);
      assert.match(
        String(h["permissions-policy"]),
        /camera=\(self\), microphone=\(self\), display-capture=\(self\)/,
        name,
      );
    }
    // Per-path caching still holds; the services' own answers are not given nginx's cache policy or cookie.
    assert.equal(replies.page.headers["cache-control"], "no-cache");
    assert.equal(replies.asset.headers["cache-control"], "public, max-age=31536000, immutable");
    assert.notEqual(replies.api.headers["cache-control"], "no-cache");
    assert.doesNotMatch(String(replies.api.headers["set-cookie"]), /route=/);
  });

  test("source maps are not published", async () => {
    assert.equal((await request(`${base}/assets/index-abc123.js`)).status, 200);
    const map = await request(`${base}/assets/index-abc123.js.map`);
    assert.equal(map.status, 404);
    assert.doesNotMatch(map.body, /secret\.ts/);
  });

  test("serves the app over HTTPS, with a route cookie, and redirects plain HTTP", async () => {
    const page = await request(`${base}/some/client/route`);
    assert.equal(page.status, 200);
    assert.match(page.body, /Staff Messenger/);
    assert.equal(page.headers["cache-control"], "no-cache");
    assert.match(String(page.headers["set-cookie"]), /^route=[0-9a-f]{32}; .*HttpOnly; Secure/);
    assert.match(String(page.headers["strict-transport-security"]), /max-age=/);
    const plain = await new Promise<{ status?: number; location?: string }>((resolve, reject) => {
      import("node:http").then(({ get }) =>
        get(`${httpBase}/x?y=1`, (res) => resolve({ status: res.statusCode, location: res.headers.location })).on(
          "error",
          reject,
        ),
      );
    });
    assert.equal(plain.status, 301);
    assert.match(plain.location ?? "", /^https:\/\/127\.0\.0\.1(:\d+)?\/x\?y=1$/);
  });

  test("/api reaches chat-service and /api/media reaches media-service", async () => {
    const user = await registerUser("routes");
    assert.ok(user.accessToken);
    // Without a token, media-service asks for one; chat-service has no such route (404).
    const mediaReply = await request(`${base}/api/media/00000000-0000-4000-8000-000000000000`);
    assert.equal(mediaReply.status, 401, mediaReply.body);
  });

  test("each service logs and echoes nginx's request id (the proxy headers reach every route)", async () => {
    // nginx's $request_id is 32 hex digits; a service that did not get it would make up a UUID.
    for (const path of ["/api/me", "/api/media/00000000-0000-4000-8000-000000000000"]) {
      const reply = await request(`${base}${path}`);
      const id = String(reply.headers["x-request-id"]);
      assert.match(id, /^[0-9a-f]{32}$/, path);
      // nginx writes its log line when the response is done: poll for it.
      await eventually(`an access log line for ${path}`, () =>
        readFileSync(nginx.accessLog, "utf8").includes(`"GET ${path} HTTP/1.1" ${reply.status}`),
      );
      const line = readFileSync(nginx.accessLog, "utf8")
        .split("\n")
        .find((l) => l.includes(`rid=${id}`));
      assert.ok(line?.includes(`"GET ${path} HTTP/1.1"`), `nginx logged ${path} with rid=${id}`);
    }
  });

  test("a client's own X-Forwarded-For is replaced by its address: a fresh one per request does not escape the login limit", async () => {
    const user = await registerUser("xff");
    const codes: number[] = [];
    for (let i = 0; i < 12; i++) {
      const res = await request(`${base}/api/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-forwarded-for": `10.1.2.${i}` },
        body: JSON.stringify({ username: user.user.username, password: "not the password" }),
      });
      codes.push(res.status);
    }
    // The limit is per account and address, the address is nginx's view of the client, and each of the
    // two instances (no Redis here) counts on its own: at most twice the limit gets through.
    assert.ok(codes.filter((c) => c === 401).length <= 2 * LOGIN_LIMIT, codes.join(" "));
    assert.equal(codes.filter((c) => c === 429).length + codes.filter((c) => c === 401).length, codes.length);
  });

  test("search terms stay out of nginx's access log", async () => {
    const user = await registerUser("logq");
    const reply = await request(`${base}/api/search?q=pay%20rise%20for%20bob`, {
      headers: { authorization: `Bearer ${user.accessToken}` },
    });
    assert.equal(reply.status, 200, reply.body);
    await eventually("an access log line for the search", () =>
      readFileSync(nginx.accessLog, "utf8").includes('"GET /api/search HTTP/1.1" 200'),
    );
    assert.doesNotMatch(readFileSync(nginx.accessLog, "utf8"), /pay|rise|bob/);
  });

  test("the socket.io WebSocket upgrade goes through", async () => {
    const user = await registerUser("ws");
    const conv = await ownGroup(user.accessToken);
    const socket = await connect(user.accessToken, { transports: ["websocket"] });
    assert.equal(socket.io.engine.transport.name, "websocket");
    assert.equal((await send(socket, conv, "over websocket")).ok, true);
  });

  test("long-polling clients keep their session on one instance while both instances serve clients", async () => {
    const clients = [];
    // 16 random cookies: all on one instance would happen once in 30,000 runs.
    for (let i = 0; i < 16; i++) {
      const user = await registerUser(`poll${i}`);
      const conv = await ownGroup(user.accessToken);
      // Each browser got its own route cookie from the app page.
      const page = await request(`${base}/`);
      const cookie = String(page.headers["set-cookie"]).split(";")[0]!;
      clients.push({ socket: await connect(user.accessToken, { transports: ["polling"], cookie }), conv });
    }
    // Several round trips each (every send and ack is a POST plus a long-poll GET): without sticky
    // sessions half of them would land on the instance that does not know the session.
    for (let round = 0; round < 3; round++) {
      const acks = await Promise.all(clients.map((c) => send(c.socket, c.conv, `poll ${round}`)));
      assert.ok(
        acks.every((a) => a.ok),
        JSON.stringify(acks),
      );
    }
    for (const c of clients) {
      assert.equal(c.socket.connected, true);
      assert.equal(c.socket.io.engine.transport.name, "polling");
    }
    const perInstance = chats.map((app) => app.io.engine.clientsCount);
    assert.ok(
      perInstance.every((n) => n > 0),
      `sessions per instance: ${perInstance.join(", ")}`,
    );
  });
});
