// The chat client core (no React, no browser) against a real chat-service on a fresh PostgreSQL
// database: shared by the client-level tests (sync, search, members).
import { buildApp, loadConfig } from "@messenger/chat-service";
import { createTestDatabase, type TestDatabase } from "@messenger/common/testing";
import type { FastifyInstance } from "fastify";
import { type Auth, createAuth, type KeyValueStorage } from "../src/core/auth";
import { type ChatClient, type ChatClientOptions, createChatClient } from "../src/core/client";

export function memoryStorage(): KeyValueStorage {
  const m = new Map<string, string>();
  return { getItem: (k) => m.get(k) ?? null, setItem: (k, v) => void m.set(k, v), removeItem: (k) => void m.delete(k) };
}

/** Resolves when `check()` holds, re-checking on every change of the client's stores. */
export function until(client: ChatClient, check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const stores = Object.values(client.stores);
    const offs: (() => void)[] = [];
    const done = () => {
      clearTimeout(timer);
      for (const off of offs) off();
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`timed out waiting for: ${what}`));
    }, timeoutMs);
    const test = () => {
      if (check()) {
        done();
        resolve();
      }
    };
    for (const s of stores) offs.push(s.subscribe(test));
    test();
  });
}

/** Sends `bodies` in order and resolves once every one is acknowledged; rejects if the server refused one. */
export async function sendAll(client: ChatClient, conversationId: string, bodies: string[]) {
  for (const b of bodies) client.send(conversationId, b);
  const pending = () => client.stores.messages.timeline(conversationId).pending;
  await until(
    client,
    () => pending().length === 0 || pending().some((p) => p.status === "failed"),
    `${bodies.length} messages sent`,
    60_000,
  );
  const refused = pending().find((p) => p.status === "failed");
  if (refused) throw new Error(`the server refused "${refused.body}": ${refused.error?.message}`);
}

export interface SignedIn {
  auth: Auth;
  client: ChatClient;
  storage: KeyValueStorage;
  /** The signed-in user's id. */
  id: string;
}

const PASSWORD = "correct horse battery";

export interface CoreServer {
  base: string;
  /** The chat-service itself: what it holds about a client's connection; emitting what the server would. */
  app: FastifyInstance;
  /** Registers (or signs in again) and starts a client; resolves once its socket is connected. */
  signIn(
    username: string,
    storage?: KeyValueStorage,
    register?: boolean,
    options?: Partial<ChatClientOptions>,
  ): Promise<SignedIn>;
  /**
   * A second chat-service on the same database without Redis: the two never hear each other's
   * events, as when events are lost between instances. Stopped with this one.
   */
  peer(): Promise<CoreServer>;
  stop(): Promise<void>;
}

/** `clientOptions` go to every client signed in (e.g. a shorter send backoff, so a test need not wait it out). */
export async function startCoreServer(
  env: Record<string, string> = {},
  clientOptions: Partial<ChatClientOptions> = {},
  shared?: TestDatabase,
): Promise<CoreServer> {
  const db: TestDatabase = shared ?? (await createTestDatabase());
  const peers: CoreServer[] = [];
  const app: FastifyInstance = await buildApp(
    loadConfig({
      NODE_ENV: "test",
      LOG_LEVEL: "silent",
      DATABASE_URL: db.url,
      JWT_SECRET: "client-core-test-secret",
      SEND_RATE_PER_SECOND: "1000",
      REGISTRATIONS_PER_HOUR: "100000",
      // Tests register many people without invites.
      REGISTRATION: "open",
      ...env,
    }),
  );
  await app.listen({ port: 0, host: "127.0.0.1" });
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  const clients: ChatClient[] = [];
  const auths: Auth[] = [];
  return {
    base,
    app,
    async peer() {
      const p = await startCoreServer(env, clientOptions, db);
      peers.push(p);
      return p;
    },
    async signIn(username, storage = memoryStorage(), register = true, options = {}) {
      const auth = createAuth({ baseUrl: base, storage });
      auths.push(auth);
      if (register) await auth.register({ username, password: PASSWORD, displayName: username });
      else await auth.login({ username, password: PASSWORD });
      const client = createChatClient({ ...clientOptions, auth, url: base, outboxStorage: storage, ...options });
      clients.push(client);
      await client.start();
      await until(client, () => client.stores.connection.get() === "connected", `${username} connected`);
      return { auth, client, storage, id: auth.user()!.id };
    },
    async stop() {
      for (const c of clients) c.stop();
      for (const a of auths) a.dispose();
      for (const p of peers) await p.stop();
      await app.close();
      if (!shared) await db.drop();
    },
  };
}
