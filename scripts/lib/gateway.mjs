// The one origin of `npm start`: serves the built client and routes /api/media, /api and
// /socket.io (including the WebSocket upgrade) to the services — what nginx does in production.
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import http from "node:http";
import { connect } from "node:net";
import { extname, join, normalize, sep } from "node:path";

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".webmanifest": "application/manifest+json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".ico": "image/x-icon",
  ".webp": "image/webp",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
  ".map": "application/json",
  ".wasm": "application/wasm",
};

// Hop-by-hop headers are for one connection only and must not be forwarded.
const HOP_BY_HOP = ["connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade"];

/** Where Jitsi's external_api.js and meeting iframe come from: chat-service's JITSI_DOMAIN, https unless it says. */
export function jitsiOrigin(domain) {
  if (!domain) return undefined;
  return /^https?:\/\//i.test(domain) ? new URL(domain).origin : `https://${domain.replace(/\/.*$/, "")}`;
}

/**
 * The headers nginx sends in production (scripts/deploy/nginx.conf.template), for one request: a strict
 * CSP that allows what the client uses — its own scripts and styles, its API and socket.io over ws: of
 * this same host, image previews from blob:/data:, videos, Jitsi's script and iframe — and nothing may
 * frame the app; camera, microphone and screen sharing for this origin only.
 */
export function securityHeaders(host, jitsi) {
  const jitsiSrc = jitsi ? ` ${jitsi}` : "";
  const csp = [
    "default-src 'self'",
    `script-src 'self'${jitsiSrc}`,
    "style-src 'self'",
    "img-src 'self' blob: data:",
    "media-src 'self' blob:",
    "font-src 'self'",
    `connect-src 'self'${host ? ` ws://${host}` : ""}`,
    `frame-src${jitsiSrc || " 'none'"}`,
    "worker-src 'self'",
    "manifest-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
  return {
    "content-security-policy": csp,
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "permissions-policy":
      "camera=(self), microphone=(self), display-capture=(self), geolocation=(), payment=(), usb=()",
    "x-content-type-options": "nosniff",
  };
}

/**
 * routes: [{ prefix: "/api/media", target: { host, port } }, ...], most specific first.
 * jitsiDomain: chat-service's JITSI_DOMAIN (the CSP allows its script and iframe).
 * health: () => Promise<{ ok: boolean, ... }> answered at GET /healthz.
 */
export function createGateway({ clientDir, routes, health, jitsiDomain, log = () => {} }) {
  const jitsi = jitsiOrigin(jitsiDomain);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const routeFor = (url) =>
    routes.find((r) => url === r.prefix || url.startsWith(`${r.prefix}/`) || url.startsWith(`${r.prefix}?`));

  const forwardedHeaders = (req) => {
    const headers = { ...req.headers };
    for (const h of HOP_BY_HOP) delete headers[h];
    const remote = req.socket.remoteAddress ?? "";
    // Set, not appended: what the client wrote there never reaches the services (nginx does the same).
    headers["x-forwarded-for"] = remote;
    headers["x-forwarded-proto"] = "http";
    headers["x-forwarded-host"] = req.headers.host ?? "";
    return headers;
  };

  const proxy = (req, res, target) => {
    const upstream = http.request(
      {
        host: target.host,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: forwardedHeaders(req),
        agent,
      },
      (up) => {
        const headers = { ...up.headers };
        for (const h of HOP_BY_HOP) delete headers[h];
        res.writeHead(up.statusCode ?? 502, headers);
        up.pipe(res);
      },
    );
    upstream.on("error", (err) => {
      log(`gateway: ${req.method} ${req.url} → ${target.port}: ${err.message}`);
      if (!res.headersSent) {
        res.writeHead(502, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { code: "bad_gateway", message: "service unavailable" } }));
      } else res.destroy();
    });
    // A client that goes away mid-request (e.g. a cancelled upload) aborts the upstream request too.
    res.on("close", () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  };

  const serveFile = async (req, res) => {
    let path;
    try {
      path = decodeURIComponent(new URL(req.url, "http://x").pathname);
    } catch {
      path = null; // malformed percent-encoding
    }
    const file = path === null ? "" : normalize(join(clientDir, path));
    if (path === null || (file !== clientDir && !file.startsWith(clientDir + sep))) {
      res.writeHead(400).end();
      return;
    }
    let target = file;
    let info = await stat(target).catch(() => null);
    if (info?.isDirectory()) {
      target = join(target, "index.html");
      info = await stat(target).catch(() => null);
    }
    // Unknown paths without a file extension are client-side routes: the app's index.html answers them.
    if (!info && !extname(path)) {
      target = join(clientDir, "index.html");
      info = await stat(target).catch(() => null);
    }
    if (!info) {
      const built = await stat(join(clientDir, "index.html")).catch(() => null);
      res.writeHead(built ? 404 : 503, { "content-type": "text/plain; charset=utf-8" });
      res.end(built ? "not found\n" : "the client is not built: run `npm run build`\n");
      return;
    }
    // index.html, the service worker and the manifest keep their names across deploys: always revalidated.
    const isIndex = target.endsWith(`${sep}index.html`) || path === "/sw.js" || path === "/manifest.webmanifest";
    res.writeHead(200, {
      "content-type": TYPES[extname(target)] ?? "application/octet-stream",
      "content-length": info.size,
      // Vite puts content hashes in asset names: those never change; index.html must always be revalidated.
      "cache-control": isIndex
        ? "no-cache"
        : path.startsWith("/assets/")
          ? "public, max-age=31536000, immutable"
          : "public, max-age=3600",
    });
    if (req.method === "HEAD") res.end();
    else createReadStream(target).pipe(res);
  };

  const server = http.createServer((req, res) => {
    // On every response, proxied or not (a header the service sets itself wins).
    for (const [name, value] of Object.entries(securityHeaders(req.headers.host, jitsi))) res.setHeader(name, value);
    const url = req.url ?? "/";
    const route = routeFor(url);
    if (route) return proxy(req, res, route.target);
    if (url === "/healthz" || url.startsWith("/healthz?")) {
      health().then(
        (h) => {
          res.writeHead(h.ok ? 200 : 503, { "content-type": "application/json", "cache-control": "no-store" });
          res.end(JSON.stringify(h));
        },
        () => res.writeHead(503).end(),
      );
      return;
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    serveFile(req, res).catch((err) => {
      log(`gateway: ${url}: ${err.message}`);
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  });

  // WebSocket (socket.io) upgrade: replay the request head upstream, then splice the two sockets.
  // Upgraded sockets leave the HTTP server's bookkeeping, so they are tracked here for close().
  const tunnels = new Set();
  server.on("upgrade", (req, socket, head) => {
    const route = routeFor(req.url ?? "/");
    if (!route) {
      socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n");
      return;
    }
    const upstream = connect(route.target.port, route.target.host);
    tunnels.add(socket);
    socket.once("close", () => tunnels.delete(socket));
    const headers = forwardedHeaders(req);
    headers.connection = "Upgrade";
    headers.upgrade = req.headers.upgrade ?? "websocket";
    upstream.on("connect", () => {
      let raw = `${req.method} ${req.url} HTTP/1.1\r\n`;
      for (const [k, v] of Object.entries(headers)) {
        for (const value of Array.isArray(v) ? v : [v]) raw += `${k}: ${value}\r\n`;
      }
      upstream.write(`${raw}\r\n`);
      if (head?.length) upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    upstream.setNoDelay(true);
    socket.setNoDelay(true);
    const close = () => {
      upstream.destroy();
      socket.destroy();
    };
    upstream.on("error", close);
    socket.on("error", close);
    upstream.on("close", close);
    socket.on("close", close);
  });

  return {
    server,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        for (const s of tunnels) s.destroy();
        agent.destroy();
      }),
  };
}
