// End-to-end harness: the built client and the REAL services behind one origin, driven by Chromium.
// chat-service and media-service are built with their own buildApp() on free ports, with a fresh
// PostgreSQL database, a real clamd and an S3 server; the gateway from scripts/lib (what `npm start`
// uses) serves the client and routes /api/media, /api and /socket.io. Reused by the call e2e test.
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { mkdir, mkdtemp, rename, rm } from "node:fs/promises";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { buildApp as buildChat, loadConfig as loadChatConfig } from "@messenger/chat-service";
import {
  createTestDatabase,
  type RunningClamd,
  type RunningS3,
  startClamd,
  startS3,
  type TestDatabase,
} from "@messenger/common/testing";
import { buildApp as buildMedia, loadConfig as loadMediaConfig } from "@messenger/media-service";
import type { FastifyInstance } from "fastify";
import { type Browser, type BrowserContext, type BrowserContextOptions, chromium, type Page } from "playwright-core";
import { createAuth } from "../../src/core/auth";
import { type ChatClient, createChatClient } from "../../src/core/client";
import { memoryStorage, until } from "../core-harness";

const HERE = dirname(fileURLToPath(import.meta.url));
export const CLIENT_ROOT = resolve(HERE, "../..");
export const REPO_ROOT = resolve(CLIENT_ROOT, "..");
/**
 * Where `screenshot()` writes: the tests always take the screenshots (they exercise rendering), but only
 * `UPDATE_SCREENSHOTS=1` puts them in docs/screenshots, so an ordinary test run leaves the tree clean.
 * Otherwise they go to one temp dir, overwritten by the next run and left there to look at.
 */
export const SCREENSHOTS_DIR =
  process.env.UPDATE_SCREENSHOTS === "1"
    ? join(REPO_ROOT, "docs", "screenshots")
    : join(tmpdir(), "messenger-e2e-screenshots");
export const JWT_SECRET = "e2e-secret";
export const PASSWORD = "correct horse battery";

import { CHROMIUM_ARGS, CHROMIUM_PATH } from "@messenger/common/testing";

/** Everything the bundle is made from: the build is reused while none of it changes. */
function clientSourceHash(): string {
  const hash = createHash("sha256");
  const inputs = [
    join(CLIENT_ROOT, "src"),
    join(CLIENT_ROOT, "public"),
    join(CLIENT_ROOT, "index.html"),
    join(CLIENT_ROOT, "vite.config.ts"),
    join(REPO_ROOT, "services/protocol/src"),
    join(REPO_ROOT, "package-lock.json"),
  ];
  for (const input of inputs) {
    const files = statSync(input).isDirectory()
      ? readdirSync(input, { recursive: true, encoding: "utf8" })
          .map((f) => join(input, f))
          .filter((f) => statSync(f).isFile())
          .sort()
      : [input];
    for (const f of files) hash.update(f).update(readFileSync(f));
  }
  return hash.digest("hex").slice(0, 16);
}

let built: Promise<string> | null = null;
/**
 * `vite build` of the current sources, shared by every e2e test file (and run) while the sources are
 * unchanged: built into a temp dir, then renamed into place, so concurrent files never see half a build.
 */
export function buildClient(): Promise<string> {
  built ??= (async () => {
    const outDir = join(tmpdir(), `messenger-client-e2e-${clientSourceHash()}`);
    if (existsSync(join(outDir, "index.html"))) return outDir;
    const staging = await mkdtemp(join(tmpdir(), "client-e2e-build-"));
    const { build } = await import("vite");
    await build({
      root: CLIENT_ROOT,
      configFile: join(CLIENT_ROOT, "vite.config.ts"),
      logLevel: "error",
      build: { outDir: staging, emptyOutDir: true, sourcemap: false, reportCompressedSize: false },
    });
    try {
      await rename(staging, outDir);
    } catch {
      // Another test file finished the same build first: use theirs.
      await rm(staging, { recursive: true, force: true });
    }
    return outDir;
  })();
  return built;
}

interface Gateway {
  server: Server;
  close(): Promise<void>;
}
type CreateGateway = (opts: {
  clientDir: string;
  routes: { prefix: string; target: { host: string; port: number } }[];
  health: () => Promise<{ ok: boolean }>;
  jitsiDomain?: string;
  log?: (line: string) => void;
}) => Gateway;

export interface StackOptions {
  /** Extra chat-service settings (e.g. TURN_URLS, TURN_SECRET, JITSI_DOMAIN for the call tests). */
  chatEnv?: Record<string, string>;
  /** Extra media-service settings. */
  mediaEnv?: Record<string, string>;
}

export interface Stack {
  /** The one origin: `http://127.0.0.1:<port>`. */
  baseUrl: string;
  chat: FastifyInstance;
  media: FastifyInstance;
  database: TestDatabase;
  clamd: RunningClamd;
  s3: RunningS3;
  stop(): Promise<void>;
}

const portOf = (app: FastifyInstance) => (app.server.address() as { port: number }).port;

/** Starts PostgreSQL database, clamd, S3, both services and the gateway in front of the built client. */
export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const [clientDir, database, clamd, s3] = await Promise.all([
    buildClient(),
    createTestDatabase(),
    startClamd(),
    startS3(),
  ]);
  const tmpDir = await mkdtemp(join(tmpdir(), "e2e-media-"));
  const chat = await buildChat(
    loadChatConfig({
      NODE_ENV: "test",
      LOG_LEVEL: "silent",
      DATABASE_URL: database.url,
      JWT_SECRET,
      // Tests register many people without invites.
      REGISTRATION: "open",
      ...opts.chatEnv,
    }),
  );
  await chat.listen({ port: 0, host: "127.0.0.1" });
  const media = await buildMedia(
    loadMediaConfig({
      NODE_ENV: "test",
      LOG_LEVEL: "silent",
      DATABASE_URL: database.url,
      JWT_SECRET,
      MINIO_ENDPOINT: s3.endPoint,
      MINIO_PORT: s3.port,
      MINIO_ACCESS_KEY: s3.accessKey,
      MINIO_SECRET_KEY: s3.secretKey,
      MINIO_BUCKET: "e2e-media",
      CLAMD_HOST: clamd.host,
      CLAMD_PORT: clamd.port,
      TMP_DIR: tmpDir,
      ...opts.mediaEnv,
    }),
  );
  await media.listen({ port: 0, host: "127.0.0.1" });

  // The gateway is plain JS shared with `npm start`; loaded by URL so tsc does not need its types.
  const gatewayUrl = pathToFileURL(join(REPO_ROOT, "scripts/lib/gateway.mjs")).href;
  const { createGateway } = (await import(gatewayUrl)) as { createGateway: CreateGateway };
  const local = (port: number) => ({ host: "127.0.0.1", port });
  const gateway = createGateway({
    clientDir,
    routes: [
      { prefix: "/api/media", target: local(portOf(media)) },
      { prefix: "/api", target: local(portOf(chat)) },
      { prefix: "/socket.io", target: local(portOf(chat)) },
    ],
    health: async () => ({ ok: true }),
    // As start.mjs does: the CSP allows the Jitsi script and iframe chat-service points at.
    jitsiDomain: opts.chatEnv?.JITSI_DOMAIN ?? "",
  });
  await new Promise<void>((r) => gateway.server.listen(0, "127.0.0.1", r));
  const baseUrl = `http://127.0.0.1:${(gateway.server.address() as { port: number }).port}`;

  return {
    baseUrl,
    chat,
    media,
    database,
    clamd,
    s3,
    async stop() {
      await gateway.close();
      await Promise.allSettled([chat.close(), media.close()]);
      await Promise.allSettled([clamd.stop(), s3.stop(), rm(tmpDir, { recursive: true, force: true })]);
      await database.drop();
    },
  };
}

/** `extraArgs`: more Chromium switches (e.g. the fake screen capture of the meeting test). */
export function launchBrowser(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_ARGS, ...extraArgs],
  });
}

export interface OpenedApp {
  context: BrowserContext;
  page: Page;
}

/** A fresh browser profile (its own cookies and localStorage) with the app open. */
export async function openApp(
  browser: Browser,
  baseUrl: string,
  opts: { query?: string; context?: BrowserContextOptions } = {},
): Promise<OpenedApp> {
  const context = await browser.newContext({
    baseURL: baseUrl,
    locale: "en-US",
    viewport: { width: 1100, height: 720 },
    ...opts.context,
  });
  // The polite notification prompt would sit over the composer in screenshots: pretend it was answered.
  await context.addInitScript(() => localStorage.setItem("messenger.notificationsAsked", "1"));
  const page = await context.newPage();
  // Page errors and console errors go to the test output: the first thing to read when a step times out.
  page.on("pageerror", (e) => console.error(`[browser] page error: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") console.error(`[browser] ${m.text()}`);
  });
  page.setDefaultTimeout(20_000);
  await page.goto(`/${opts.query ? `?${opts.query.replace(/^\?/, "")}` : ""}`);
  return { context, page };
}

/** Registers through the sign-up form and waits for the signed-in app. */
export async function signUp(page: Page, user: { username: string; displayName: string; password?: string }) {
  await page.getByRole("button", { name: "New here? Create an account" }).click();
  await page.getByLabel("Username").fill(user.username);
  await page.getByLabel("Your name").fill(user.displayName);
  await page.getByLabel("Password").fill(user.password ?? PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await page.getByTestId("me-name").filter({ hasText: user.displayName }).waitFor();
}

/** From the conversation list: find a person by name and open (get-or-create) the DM with them. */
export async function startDirect(page: Page, query: string, displayName: string) {
  await page.getByLabel("Search people and messages").fill(query);
  await page.getByTestId("person-result").filter({ hasText: displayName }).click();
  await page.getByTestId("chat-title").filter({ hasText: displayName }).waitFor();
}

/** From the conversation list: a new group with a title and members (found by `query`), opened. */
export async function createGroup(page: Page, title: string, members: { query: string; displayName: string }[]) {
  await page.getByRole("button", { name: "New group" }).click();
  const dialog = page.getByRole("dialog", { name: "New group" });
  await dialog.getByLabel("Group name").fill(title);
  for (const m of members) {
    await dialog.getByLabel("Add people").fill(m.query);
    await dialog.locator(".people-pick").getByRole("button", { name: m.displayName }).click();
  }
  await dialog.getByRole("button", { name: "Create group" }).click();
  await page.getByTestId("chat-title").filter({ hasText: title }).waitFor();
}

/** Types into the composer and presses Enter. */
export async function sendText(page: Page, text: string) {
  const box = page.getByTestId("composer-input");
  await box.fill(text);
  await box.press("Enter");
}

/** The conversation list entry titled `title`. */
export const conversationItem = (page: Page, title: string) =>
  page.getByTestId("conversation-item").filter({ hasText: title });

export async function screenshot(page: Page, name: string) {
  await mkdir(SCREENSHOTS_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS_DIR, `${name}.png`) });
}

/** A unique username per test run, so reruns against a reused database never collide. */
export const uniqueName = (base: string) => `${base}${Math.random().toString(36).slice(2, 7)}`;

/** Two people signed up in their own browser profiles, with a DM open on both sides. */
export async function pairInDirect(browser: Browser, baseUrl: string) {
  const anaName = uniqueName("ana");
  const benName = uniqueName("ben");
  const [ana, ben] = await Promise.all([openApp(browser, baseUrl), openApp(browser, baseUrl)]);
  await Promise.all([
    signUp(ana.page, { username: anaName, displayName: "Ana Torres" }),
    signUp(ben.page, { username: benName, displayName: "Ben Okafor" }),
  ]);
  await startDirect(ben.page, anaName, "Ana Torres");
  await sendText(ben.page, "Hi Ana!");
  await conversationItem(ana.page, "Ben Okafor").click();
  await ana.page.getByTestId("message-list").getByText("Hi Ana!").waitFor();
  return { ana, ben, anaName, benName };
}

/** Resolves once no message of `page` is pending any more (however many were: a locator would insist on one). */
export function allSent(page: Page): Promise<unknown> {
  return page.waitForFunction(() => document.querySelector('[data-pending="true"]') === null);
}

/** Someone who writes from Node with the app's own client core (a long history is quick to make so). */
export interface NodeWriter {
  client: ChatClient;
  id: string;
  stop(): void;
}

export async function nodeWriter(baseUrl: string, username: string, displayName: string): Promise<NodeWriter> {
  const auth = createAuth({ baseUrl, storage: memoryStorage() });
  await auth.register({ username, password: PASSWORD, displayName });
  const client = createChatClient({ auth, url: baseUrl });
  await client.start();
  await until(client, () => client.stores.connection.get() === "connected", `${username} connected`);
  return {
    client,
    id: auth.user()!.id,
    stop() {
      client.stop();
      auth.dispose();
    },
  };
}
