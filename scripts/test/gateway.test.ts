// The one-origin gateway of `npm start` (scripts/lib/gateway.mjs) sends the headers nginx sends in
// production on every response: static files, the app's routes, proxied API answers and errors.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
// @ts-expect-error plain JS module without types
import { createGateway, jitsiOrigin } from "../lib/gateway.mjs";

let dir: string;
let api: http.Server;
let gateway: { server: http.Server; close(): Promise<void> };
let base: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "gateway-"));
  mkdirSync(join(dir, "assets"));
  writeFileSync(join(dir, "index.html"), "<!doctype html><title>Messenger</title>");
  writeFileSync(join(dir, "assets", "app-1.js"), "console.log(1)");
  // A stand-in service: the gateway's headers must reach its answers too.
  api = http.createServer((_req, res) => res.writeHead(401, { "content-type": "application/json" }).end("{}"));
  await new Promise<void>((r) => api.listen(0, "127.0.0.1", r));
  gateway = createGateway({
    clientDir: dir,
    routes: [{ prefix: "/api", target: { host: "127.0.0.1", port: (api.address() as AddressInfo).port } }],
    health: async () => ({ ok: true }),
    jitsiDomain: "meet.example.com",
  });
  await new Promise<void>((r) => gateway.server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(gateway.server.address() as AddressInfo).port}`;
});

after(async () => {
  await gateway?.close();
  await new Promise((r) => api?.close(r));
  rmSync(dir, { recursive: true, force: true });
});

test("every response carries the CSP, framing, referrer, permissions and nosniff headers", async () => {
  const host = new URL(base).host;
  for (const [path, method] of [
    ["/", "GET"],
    ["/some/client/route", "GET"],
    ["/assets/app-1.js", "GET"],
    ["/assets/missing.js", "GET"],
    ["/api/me", "GET"],
    ["/healthz", "GET"],
    ["/", "POST"],
  ] as const) {
    const res = await fetch(`${base}${path}`, { method });
    const csp = res.headers.get("content-security-policy") ?? "";
    const what = `${method} ${path} (${res.status})`;
    assert.match(csp, /default-src 'self'/, what);
    assert.match(csp, /frame-ancestors 'none'/, what);
    assert.match(csp, /script-src 'self' https:\/\/meet\.example\.com(;|$)/, what);
    assert.match(csp, /frame-src https:\/\/meet\.example\.com(;|$)/, what);
    assert.ok(csp.includes(`connect-src 'self' ws://${host}`), `${what}: ${csp}`);
    assert.match(csp, /img-src 'self' blob: data:/, what);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/, what);
    assert.equal(res.headers.get("x-frame-options"), "DENY", what);
    assert.equal(res.headers.get("referrer-policy"), "same-origin", what);
    assert.equal(res.headers.get("x-content-type-options"), "nosniff", what);
    assert.match(res.headers.get("permissions-policy") ?? "", /camera=\(self\), microphone=\(self\)/, what);
    await res.arrayBuffer();
  }
});

test("the Jitsi origin is https unless chat-service's JITSI_DOMAIN names a scheme (a dev setup on http)", () => {
  assert.equal(jitsiOrigin("meet.example.com"), "https://meet.example.com");
  assert.equal(jitsiOrigin("http://127.0.0.1:9000/"), "http://127.0.0.1:9000");
  assert.equal(jitsiOrigin(""), undefined);
});
