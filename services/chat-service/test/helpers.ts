// Test harness: a real chat-service on a fresh database, real HTTP and real socket.io clients.
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { signAccessToken } from "@messenger/common";
import { createTestDatabase, freePort, type TestDatabase } from "@messenger/common/testing";
import type { Ack, AuthResponse, ClientToServerEvents, Message, ServerToClientEvents } from "@messenger/protocol";
import type { FastifyInstance } from "fastify";
import { createClient } from "redis";
import { io as connect, type Socket } from "socket.io-client";
import { type BuildOptions, buildApp } from "../src/app.js";
import { type Config, loadConfig } from "../src/config.js";

export type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface Harness {
  db: TestDatabase;
  app: FastifyInstance;
  url: string;
  config: Config;
  sockets: Client[];
  /** Close the app and build a fresh one on the same database and port (a service restart). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/** `configure` adds test-only routes (e.g. a browser page) before the app listens, again after a restart. */
export async function startHarness(
  env: Record<string, string> = {},
  opts: { configure?: (app: FastifyInstance) => void; build?: BuildOptions } = {},
): Promise<Harness> {
  const db = await createTestDatabase();
  const config = loadConfig({
    DATABASE_URL: db.url,
    NODE_ENV: "test",
    LOG_LEVEL: "silent",
    // Every test user registers from 127.0.0.1; the files that test the limit set their own.
    REGISTRATIONS_PER_HOUR: "100000",
    // Tests register many people; the files that test the sign-up policy set their own.
    REGISTRATION: "open",
    ...env,
  });
  const start = async () => {
    const app = await buildApp(config, opts.build);
    opts.configure?.(app);
    return app;
  };
  let app = await start();
  await app.listen({ port: 0, host: "127.0.0.1" });
  const port = (app.server.address() as AddressInfo).port;
  const h: Harness = {
    db,
    app,
    url: `http://127.0.0.1:${port}`,
    config,
    sockets: [],
    async restart() {
      await h.app.close();
      app = await start();
      await app.listen({ port, host: "127.0.0.1" });
      h.app = app;
    },
    async close() {
      for (const s of h.sockets) s.disconnect();
      await h.app.close();
      await db.drop();
    },
  };
  return h;
}

/**
 * A listening app built outside startHarness (several instances on one database) seen as a
 * Harness: register() and api() use its app, socketFor() its url and the given socket list.
 */
export function harnessOf(app: FastifyInstance, sockets: Client[] = []): Harness {
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  return { app, url, sockets } as unknown as Harness;
}

/** Deletes a test file's own Redis keys and channels' state (everything under `prefix:`). */
export async function dropRedisKeys(url: string, prefix: string): Promise<void> {
  const r = createClient({ url });
  await r.connect();
  for await (const keys of r.scanIterator({ MATCH: `${prefix}:*` })) if (keys.length) await r.del(keys);
  await r.quit();
}

export interface TestUser extends AuthResponse {
  /** Authorization header for REST calls. */
  auth: { authorization: string };
}

/** The password every test user registers with. */
export const PASSWORD = "correct horse battery";

const asTestUser = (body: AuthResponse): TestUser => ({
  ...body,
  auth: { authorization: `Bearer ${body.accessToken}` },
});

let counter = 0;
/**
 * `from`: the client address nginx would name in X-Forwarded-For (for files that test per-address limits);
 * `inviteCode`, `email`: for files that test the sign-up policy.
 */
export async function register(
  h: Harness,
  name?: string,
  opts: { from?: string; inviteCode?: string; email?: string } = {},
): Promise<TestUser> {
  const res = await registerRequest(h, name, opts);
  if (res.statusCode !== 201) throw new Error(`register failed: ${res.statusCode} ${res.body}`);
  return asTestUser(res.json() as AuthResponse);
}

/** The registration request itself, for tests that expect a refusal. */
export function registerRequest(
  h: Harness,
  name?: string,
  opts: { from?: string; inviteCode?: string; email?: string } = {},
) {
  const username = name ?? `user${++counter}.${randomUUID().slice(0, 6)}`;
  return h.app.inject({
    method: "POST",
    url: "/api/auth/register",
    headers: opts.from ? { "x-forwarded-for": opts.from } : {},
    payload: {
      username,
      password: PASSWORD,
      displayName: username.toUpperCase(),
      ...(opts.inviteCode ? { inviteCode: opts.inviteCode } : {}),
      ...(opts.email ? { email: opts.email } : {}),
    },
  });
}

/** A second sign-in of the same account (another device): a session of its own. */
export async function signInAgain(h: Harness, u: TestUser): Promise<TestUser> {
  const res = await h.app.inject({
    method: "POST",
    url: "/api/auth/login",
    payload: { username: u.user.username, password: PASSWORD },
  });
  if (res.statusCode !== 200) throw new Error(`login failed: ${res.statusCode} ${res.body}`);
  return asTestUser(res.json() as AuthResponse);
}

/** REST call through the real HTTP stack (inject); returns status and parsed JSON. */
export async function api<T = Record<string, unknown>>(
  h: Harness,
  user: TestUser | null,
  method: "GET" | "POST" | "DELETE" | "PATCH" | "PUT",
  url: string,
  payload?: unknown,
): Promise<{ status: number; body: T }> {
  const res = await h.app.inject({
    method,
    url,
    headers: user ? user.auth : {},
    ...(payload !== undefined ? { payload: payload as object } : {}),
  });
  return { status: res.statusCode, body: (res.body ? res.json() : {}) as T };
}

/** A connected socket.io client (resolves on connect). */
export async function socketFor(h: Harness, token: string, opts: { reconnection?: boolean } = {}): Promise<Client> {
  const s: Client = connect(h.url, {
    auth: { token },
    transports: ["websocket"],
    reconnection: opts.reconnection ?? false,
    forceNew: true,
  });
  h.sockets.push(s);
  await new Promise<void>((resolve, reject) => {
    s.once("connect", () => resolve());
    s.once("connect_error", (err) => reject(err));
  });
  return s;
}

/** Resolves with the reason when the socket is disconnected (already, or later). */
export function disconnected(s: Client): Promise<string> {
  if (s.disconnected) return Promise.resolve("already disconnected");
  return new Promise((resolve) => s.once("disconnect", (reason) => resolve(reason)));
}

/** Emits with an ack and resolves with the ack. */
export function emitAck<T extends object = object>(s: Client, event: string, payload?: unknown): Promise<Ack<T>> {
  return new Promise((resolve) => {
    (s.emit as (e: string, ...a: unknown[]) => void)(event, payload, (ack: Ack<T>) => resolve(ack));
  });
}

export async function send(s: Client, conversationId: string, body: string, clientId = randomUUID()): Promise<Message> {
  const ack = await emitAck<{ message: Message }>(s, "message:send", { conversationId, clientId, body });
  if (!ack.ok) throw new Error(`send failed: ${JSON.stringify(ack.error)}`);
  return ack.message;
}

/**
 * Records every server → client event of a socket, so a test can assert what a
 * socket did and did not get, and wait for an event matching a predicate.
 */
export function recorder(s: Client) {
  const events: { event: string; payload: unknown }[] = [];
  const waiters: { match: (e: string, p: unknown) => boolean; resolve: (p: unknown) => void }[] = [];
  s.onAny((event: string, payload: unknown) => {
    events.push({ event, payload });
    for (const w of [...waiters]) {
      if (w.match(event, payload)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(payload);
      }
    }
  });
  return {
    events,
    of<T = unknown>(event: string): T[] {
      return events.filter((e) => e.event === event).map((e) => e.payload as T);
    },
    /** Resolves with the first (past or future) event matching. */
    waitFor<T = unknown>(event: string, pred: (p: T) => boolean = () => true): Promise<T> {
      const past = events.find((e) => e.event === event && pred(e.payload as T));
      if (past) return Promise.resolve(past.payload as T);
      return new Promise((resolve) => {
        waiters.push({ match: (e, p) => e === event && pred(p as T), resolve: resolve as (p: unknown) => void });
      });
    },
  };
}
export type Recorder = ReturnType<typeof recorder>;

export async function directWith(h: Harness, a: TestUser, b: TestUser): Promise<string> {
  const r = await api<{ conversation: { id: string } }>(h, a, "POST", "/api/conversations", {
    kind: "direct",
    userId: b.user.id,
  });
  if (r.status >= 300) throw new Error(`direct failed: ${r.status}`);
  return r.body.conversation.id;
}

export async function groupOf(h: Harness, admin: TestUser, others: TestUser[], title = "Team"): Promise<string> {
  const r = await api<{ conversation: { id: string } }>(h, admin, "POST", "/api/conversations", {
    kind: "group",
    title,
    memberIds: others.map((o) => o.user.id),
  });
  if (r.status !== 201) throw new Error(`group failed: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.conversation.id;
}

/**
 * Events leave each socket in order: once a sentinel message sent now reached every `rs`, anything
 * emitted to them before it has arrived too (how a test shows an event did not come).
 */
export async function sentinel(from: Client, conversationId: string, rs: Recorder[]): Promise<void> {
  const m = await send(from, conversationId, "sentinel");
  await Promise.all(rs.map((r) => r.waitFor<Message>("message:new", (x) => x.id === m.id)));
}

/** A user made straight in SQL (registering hundreds would take minutes of argon2), with a token of theirs. */
export interface SqlUser {
  id: string;
  username: string;
  accessToken: string;
}

/** `n` more members of a conversation, made and added in SQL: big groups for tests. */
export async function addSqlMembers(h: Harness, conversationId: string, n: number): Promise<SqlUser[]> {
  const db = h.app.deps.db;
  const rows = await db.query<{ id: string; username: string }>(
    `INSERT INTO users (username, display_name, password_hash)
     SELECT 'staff' || g || '.' || $1, 'Staff ' || g, 'x' FROM generate_series(1, $2::int) g
     RETURNING id, username`,
    [randomUUID().slice(0, 6), n],
  );
  await db.query("INSERT INTO conversation_members (conversation_id, user_id) SELECT $1, unnest($2::uuid[])", [
    conversationId,
    rows.rows.map((u) => u.id),
  ]);
  return Promise.all(
    rows.rows.map(async (u) => ({
      ...u,
      accessToken: await signAccessToken(h.config.JWT_SECRET, { userId: u.id, username: u.username }),
    })),
  );
}

/** The first matching event recorded from now on (Recorder.waitFor also matches past ones). */
export function nextEvent<T>(r: Recorder, event: string, pred: (p: T) => boolean = () => true): Promise<T> {
  const from = r.events.length;
  return r.waitFor<T>(event, (p) => pred(p) && r.events.findIndex((e) => e.payload === p) >= from);
}

/** Fails with `what` instead of hanging until the file's timeout. */
export async function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not within ${ms} ms: ${what}`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const SERVICE_DIR = fileURLToPath(new URL("..", import.meta.url));

/** A chat-service in a process of its own (src/server.ts, as deployed), which the test can SIGKILL. */
export interface ChildInstance {
  url: string;
  /** Everything it logged so far (pino JSON lines). */
  output(): string;
  /** Resolves with the exit code if it exits (it should not). */
  exited: Promise<number | null>;
  /** SIGKILL: no graceful close, no disconnect handling, nothing flushed. */
  kill(): Promise<void>;
  /** SIGSTOP / SIGCONT: a stalled process (long GC, swapped out, a frozen VM), alive but silent. */
  pause(): void;
  resume(): void;
}

/** Spawns src/server.ts with `env` (PORT=0: the kernel picks); `children` tracks it for cleanup. */
export async function spawnChatService(
  env: Record<string, string>,
  children: Set<ChildProcess>,
): Promise<ChildInstance> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  // Not a test file: it must not report to this test run.
  delete childEnv.NODE_TEST_CONTEXT;
  const child = spawn(process.execPath, ["--conditions=source", "--import", "tsx", "src/server.ts"], {
    cwd: SERVICE_DIR,
    env: childEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  void exited.then(() => children.delete(child));
  let output = "";
  child.stderr?.on("data", (d: Buffer) => {
    output += d.toString();
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.on("data", (d: Buffer) => {
      output += d.toString();
      // pino's "Server listening at http://127.0.0.1:<port>" (the port is the kernel's pick).
      const m = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (m) resolve(m[1]!);
    });
    void exited.then(() => reject(new Error(`the instance exited before listening:\n${output.slice(-4000)}`)));
  });
  return {
    url,
    output: () => output,
    exited,
    async kill() {
      child.kill("SIGKILL");
      await exited;
    },
    pause: () => child.kill("SIGSTOP"),
    resume: () => child.kill("SIGCONT"),
  };
}

/** A redis-server of the test's own (never the shared one), on a free port, without persistence. */
export interface OwnRedis {
  url: string;
  /** Starts it (again, empty: a restarted Redis has lost everything) and resolves once it accepts connections. */
  start(): Promise<void>;
  /** SIGKILL: connections drop at once. */
  kill(): Promise<void>;
  /** SIGSTOP / SIGCONT: connections stay open and nothing answers (a hung Redis). */
  pause(): void;
  resume(): void;
}

export async function ownRedis(): Promise<OwnRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  return {
    url: `redis://127.0.0.1:${port}`,
    async start() {
      const c = spawn(
        "redis-server",
        ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        {
          stdio: ["ignore", "pipe", "inherit"],
        },
      );
      child = c;
      exited = new Promise((resolve) => c.once("exit", () => resolve()));
      await new Promise<void>((resolve, reject) => {
        let out = "";
        c.stdout?.on("data", (d: Buffer) => {
          out += d.toString();
          if (out.includes("Ready to accept connections")) resolve();
        });
        void exited.then(() => reject(new Error(`redis-server exited:\n${out}`)));
      });
    },
    async kill() {
      child?.kill("SIGKILL");
      await exited;
    },
    pause: () => child?.kill("SIGSTOP"),
    resume: () => child?.kill("SIGCONT"),
  };
}
