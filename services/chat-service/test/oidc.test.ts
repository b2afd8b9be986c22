// Company sign-in against a real OpenID provider (oidc-provider, in-process on loopback): code + PKCE,
// state and nonce, the ID token verified; the first sign-in makes the account, the next finds it by
// issuer + sub; a wrong state and an ID token meant for another client are refused.
import assert from "node:assert/strict";
import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { freePort } from "@messenger/common/testing";
import type { MeResponse } from "@messenger/protocol";
import Provider from "oidc-provider";
import { api, type Harness, startHarness, type TestUser } from "./helpers.js";

let h: Harness;
let provider: Provider;
let providerServer: Server;
let front: Server;
/**
 * When set, the token endpoint's answer carries the ID token it makes instead: a real one from the same
 * provider, with this sign-in's nonce, but for another client. Only the audience is wrong.
 */
let swapIdToken: ((nonce: string) => Promise<string>) | null = null;
let lastNonce = "";
let issuer: string;

const CLIENT = { client_id: "messenger", client_secret: "messenger-secret-for-tests" };
const OTHER = { client_id: "other-app", client_secret: "other-app-secret-for-tests" };

before(async () => {
  // The provider's public address is a small pass-through in front of it, which can swap the ID token.
  const frontPort = await freePort();
  issuer = `http://127.0.0.1:${frontPort}`;
  h = await startHarness({
    OIDC_ISSUER: issuer,
    OIDC_CLIENT_ID: CLIENT.client_id,
    OIDC_CLIENT_SECRET: CLIENT.client_secret,
    OIDC_DISPLAY_NAME: "Acme",
    OIDC_ALLOW_HTTP: "true",
  });
  provider = new Provider(issuer, {
    clients: [
      { ...CLIENT, redirect_uris: [`${h.url}/api/auth/oidc/callback`] },
      { ...OTHER, redirect_uris: ["http://127.0.0.1:1/other/callback"] },
    ],
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name", "preferred_username"] },
    // Any login is accepted by the development interactions: "login" names the account.
    async findAccount(_ctx, sub) {
      return {
        accountId: sub,
        claims: async () => ({
          sub,
          email: `${sub}@acme.test`,
          email_verified: true,
          name: `Person ${sub}`,
          preferred_username: sub,
        }),
      };
    },
    cookies: { keys: ["oidc-test-cookie-key"] },
  });
  providerServer = createServer(provider.callback());
  await new Promise<void>((r) => providerServer.listen(0, "127.0.0.1", r));
  const target = (providerServer.address() as AddressInfo).port;
  front = createServer((req, res) => {
    const up = httpRequest(
      { host: "127.0.0.1", port: target, path: req.url, method: req.method, headers: req.headers },
      (r) => {
        const chunks: Buffer[] = [];
        r.on("data", (c: Buffer) => chunks.push(c));
        r.on("end", async () => {
          let body = Buffer.concat(chunks);
          if (swapIdToken && req.url?.startsWith("/token") && r.statusCode === 200) {
            const idToken = await swapIdToken(lastNonce);
            body = Buffer.from(JSON.stringify({ ...JSON.parse(body.toString()), id_token: idToken }));
          }
          const headers = { ...r.headers, "content-length": String(body.length) };
          res.writeHead(r.statusCode ?? 502, headers);
          res.end(body);
        });
      },
    );
    req.pipe(up);
  });
  await new Promise<void>((r) => front.listen(frontPort, "127.0.0.1", r));
});
after(async () => {
  await h.close();
  providerServer.closeAllConnections();
  front.closeAllConnections();
  await new Promise((r) => providerServer.close(r));
  await new Promise((r) => front.close(r));
});

/** A browser's cookie jar, enough for one origin's cookies. */
function jar() {
  const cookies = new Map<string, string>();
  return {
    header: () => [...cookies].map(([k, v]) => `${k}=${v}`).join("; "),
    take(res: Response) {
      for (const c of res.headers.getSetCookie()) {
        const [pair] = c.split(";");
        const i = pair!.indexOf("=");
        cookies.set(pair!.slice(0, i), pair!.slice(i + 1));
      }
    },
  };
}

/** GET/POST without following redirects, keeping cookies. */
async function go(cookies: ReturnType<typeof jar>, url: string, form?: Record<string, string>) {
  const res = await fetch(url, {
    redirect: "manual",
    method: form ? "POST" : "GET",
    headers: { cookie: cookies.header(), ...(form ? { "content-type": "application/x-www-form-urlencoded" } : {}) },
    ...(form ? { body: new URLSearchParams(form).toString() } : {}),
  });
  cookies.take(res);
  return res;
}

/**
 * Through the provider's own pages: its login form (any login, the account is `login`), then its consent
 * form, until it redirects back outside itself. Returns that URL.
 */
async function throughProvider(cookies: ReturnType<typeof jar>, authorizeUrl: string, login: string): Promise<string> {
  let res = await go(cookies, authorizeUrl);
  for (let step = 0; step < 12; step++) {
    const location = res.headers.get("location");
    if (location) {
      const next = new URL(location, issuer).href;
      if (!next.startsWith(issuer)) return next;
      res = await go(cookies, next);
      continue;
    }
    const html = await res.text();
    const action = /action="([^"]+)"/.exec(html)?.[1];
    assert.ok(action, `no form on the provider's page: ${html.slice(0, 300)}`);
    const prompt = /name="prompt" value="(\w+)"/.exec(html)?.[1];
    const form: Record<string, string> =
      prompt === "login" ? { prompt, login, password: "anything" } : { prompt: prompt ?? "consent" };
    res = await go(cookies, new URL(action, issuer).href, form);
  }
  throw new Error("the provider never sent the browser back");
}

/** The whole company sign-in as a browser does it; returns where the app was finally sent. */
async function signInWithCompany(login: string, tamper?: (callback: URL) => void): Promise<URL> {
  const app = jar();
  const start = await go(app, `${h.url}/api/auth/oidc/start`);
  assert.equal(start.status, 302);
  const authorize = new URL(start.headers.get("location")!);
  assert.equal(authorize.origin, issuer);
  assert.equal(authorize.searchParams.get("code_challenge_method"), "S256");
  assert.ok(authorize.searchParams.get("state") && authorize.searchParams.get("nonce"));
  lastNonce = authorize.searchParams.get("nonce")!;
  const callback = new URL(await throughProvider(jar(), authorize.href, login));
  assert.equal(`${callback.origin}${callback.pathname}`, `${h.url}/api/auth/oidc/callback`);
  tamper?.(callback);
  const done = await go(app, callback.href);
  assert.equal(done.status, 302);
  return new URL(done.headers.get("location")!);
}

const refreshTokenOf = (home: URL) => new URLSearchParams(home.hash.slice(1)).get("oidc");

async function signedInUser(home: URL): Promise<MeResponse> {
  const rt = refreshTokenOf(home);
  assert.ok(rt, `not signed in: ${home.href}`);
  const refreshed = await h.app.inject({ method: "POST", url: "/api/auth/refresh", payload: { refreshToken: rt } });
  assert.equal(refreshed.statusCode, 200);
  const user = { auth: { authorization: `Bearer ${refreshed.json().accessToken}` } } as TestUser;
  return (await api<MeResponse>(h, user, "GET", "/api/me")).body;
}

test("the login page offers company sign-in by name", async () => {
  const options = await h.app.inject({ method: "GET", url: "/api/auth/options" });
  assert.deepEqual(options.json().oidc, { displayName: "Acme", startUrl: "/api/auth/oidc/start" });
});

test("the first company sign-in makes the account; the second finds the same one", async () => {
  const first = await signedInUser(await signInWithCompany("grace"));
  assert.equal(first.user.username, "grace");
  assert.equal(first.user.displayName, "Person grace");
  assert.equal(first.profile.email, "grace@acme.test");
  const again = await signedInUser(await signInWithCompany("grace"));
  assert.equal(again.user.id, first.user.id);
  const count = await h.app.deps.db.query("SELECT count(*)::int AS n FROM users WHERE oidc_subject = 'grace'");
  assert.equal(count.rows[0].n, 1);
  // No password signs in to a company account.
  const login = await h.app.inject({
    method: "POST",
    url: "/api/auth/login",
    payload: { username: "grace", password: "!oidc" },
  });
  assert.equal(login.statusCode, 401);
});

test("a wrong state is refused and signs nobody in", async () => {
  const home = await signInWithCompany("mallory", (callback) => callback.searchParams.set("state", "forged-state"));
  assert.equal(home.searchParams.get("oidc_error"), "oidc_failed");
  assert.equal(refreshTokenOf(home), null);
  const made = await h.app.deps.db.query("SELECT 1 FROM users WHERE oidc_subject = 'mallory'");
  assert.equal(made.rowCount, 0);
});

test("an ID token issued to another client is refused", async () => {
  // A real ID token from the same provider, for the other application.
  // (The types do not declare Client.find; oidc-provider has it.)
  const findClient = (provider.Client as unknown as { find(id: string): Promise<InstanceType<typeof provider.Client>> })
    .find;
  const otherClient = await findClient.call(provider.Client, OTHER.client_id);
  swapIdToken = (nonce) =>
    new provider.IdToken({ sub: "eve", nonce }, { client: otherClient, ctx: undefined }).issue({ use: "idtoken" });
  try {
    const home = await signInWithCompany("eve");
    assert.equal(home.searchParams.get("oidc_error"), "oidc_failed");
    assert.equal(refreshTokenOf(home), null);
  } finally {
    swapIdToken = null;
  }
  const made = await h.app.deps.db.query("SELECT 1 FROM users WHERE oidc_subject = 'eve'");
  assert.equal(made.rowCount, 0);
});

test("company sign-in respects the allowed email domains for new accounts", async () => {
  const owner = await h.app.deps.db.query<{ id: string }>("SELECT id FROM users WHERE role = 'owner'");
  assert.equal(owner.rowCount, 1);
  await h.app.deps.db.query("UPDATE workspace_settings SET allowed_email_domains = '{example.com}'");
  try {
    const home = await signInWithCompany("outsider");
    assert.equal(home.searchParams.get("oidc_error"), "email_domain_not_allowed");
    // An existing account still signs in.
    assert.equal((await signedInUser(await signInWithCompany("grace"))).user.username, "grace");
  } finally {
    await h.app.deps.db.query("UPDATE workspace_settings SET allowed_email_domains = '{}'");
  }
});
