// The production nginx config (scripts/deploy/nginx.conf.template) rendered as the nginx image's
// entrypoint renders it, and run by the machine's nginx on loopback in front of services started by a test.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import https from "node:https";
import { join } from "node:path";
import { freePort } from "@messenger/common/testing";

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  bytes: Buffer;
}

/** HTTPS request that accepts the test's self-signed certificate. */
export function request(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
) {
  return new Promise<Reply>((resolve, reject) => {
    const req = https.request(
      url,
      { method: opts.method ?? "GET", headers: opts.headers, rejectUnauthorized: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (d: Buffer) => chunks.push(d));
        res.on("end", () => {
          const bytes = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: bytes.toString("utf8"), bytes });
        });
      },
    );
    req.on("error", reject);
    req.end(opts.body);
  });
}

/**
 * The image's entrypoint (20-envsubst-on-templates.sh) runs envsubst with the names of the variables set
 * in the container: `$NAME` and `${NAME}` of those are replaced, everything else stays.
 */
export function envsubst(template: string, env: Record<string, string>): string {
  return template.replaceAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (all, a, b) => {
    const name = (a ?? b) as string;
    return Object.hasOwn(env, name) ? env[name]! : all;
  });
}

export interface NginxOptions {
  /** The template's text. */
  template: string;
  /** The variables set in the nginx container (PUBLIC_HOST, JITSI_DOMAIN). */
  env: Record<string, string>;
  chatPorts: [number, number];
  mediaPort: number;
  /** Served as the image's /usr/share/nginx/html. */
  html: string;
  /** Certificates, temp files, pid and access log go here. */
  dir: string;
  /** Runs nginx as this unprivileged user (the image's uid 101); otherwise as the current user. */
  user?: { uid: number; gid: number };
}

export interface RunningNginx {
  base: string;
  httpBase: string;
  accessLog: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Debian 12's nginx (1.22) lacks directives of the image's nginx (1.28): drop them, nothing else. */
function forLocalNginx(conf: string): string {
  const version = execFileSync("sh", ["-c", "nginx -v 2>&1"], { encoding: "utf8" }).match(/nginx\/(\d+)\.(\d+)\.(\d+)/);
  const [maj, min, patch] = version ? version.slice(1).map(Number) : [0, 0, 0];
  const before = (a: number, b: number, c: number) =>
    maj! < a || (maj === a && (min! < b || (min === b && patch! < c)));
  // `http2 on;` (1.25.1)…
  if (before(1, 25, 1)) conf = conf.replaceAll(/^\s*http2 on;\n/gm, "");
  // …and the upstream servers' `resolve` parameter (1.27.3); the names are loopback addresses here anyway.
  if (before(1, 27, 3)) conf = conf.replaceAll(" resolve ", " ").replaceAll(" resolve;", ";");
  return conf;
}

/** Renders the template with loopback addresses for compose's service names and starts nginx; resolves once it answers. */
export async function startNginx(o: NginxOptions): Promise<RunningNginx> {
  // What the image's entrypoint does, plus loopback addresses for the compose service names, free ports
  // for the listeners and temp paths for certs, files and the log.
  const [httpPort, httpsPort] = [await freePort(), await freePort()];
  const accessLog = join(o.dir, "access.log");
  const conf = forLocalNginx(
    envsubst(o.template, o.env)
      .replaceAll("chat-service-1:4000", `127.0.0.1:${o.chatPorts[0]}`)
      .replaceAll("chat-service-2:4000", `127.0.0.1:${o.chatPorts[1]}`)
      .replaceAll("media-service:4001", `127.0.0.1:${o.mediaPort}`)
      // jitsi-web stays as it is: the name does not resolve here, as when Jitsi is not deployed.
      .replaceAll("listen 8080", `listen 127.0.0.1:${httpPort}`)
      .replaceAll("listen 8443", `listen 127.0.0.1:${httpsPort}`)
      .replaceAll("/etc/nginx/certs", join(o.dir, "certs"))
      .replaceAll("/usr/share/nginx/html", o.html)
      .replaceAll("/var/log/nginx/access.log", accessLog),
  );
  mkdirSync(join(o.dir, "certs"), { recursive: true });
  const temp = join(o.dir, "temp");
  mkdirSync(temp, { recursive: true });
  for (const name of ["", "jitsi-"]) {
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=localhost",
        "-keyout",
        join(o.dir, "certs", `${name}privkey.pem`),
        "-out",
        join(o.dir, "certs", `${name}fullchain.pem`),
      ],
      { stdio: "ignore" },
    );
  }
  writeFileSync(join(o.dir, "default.conf"), conf);
  const root = !o.user && process.getuid?.() === 0;
  writeFileSync(
    join(o.dir, "nginx.conf"),
    `${root ? "user root;\n" : ""}worker_processes 1;
pid ${o.dir}/nginx.pid;
error_log stderr warn;
events { worker_connections 1024; }
http {
  # As the image's /etc/nginx/nginx.conf: without types, scripts go out as text/plain, which browsers
  # refuse to run under the template's nosniff.
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log off;
  client_body_temp_path ${temp}/body; proxy_temp_path ${temp}/proxy; fastcgi_temp_path ${temp}/fastcgi;
  uwsgi_temp_path ${temp}/uwsgi; scgi_temp_path ${temp}/scgi;
  include ${o.dir}/default.conf;
}
`,
  );
  // The unprivileged user writes its pid, temp files and log here, and reads the certificates.
  if (o.user) execFileSync("chown", ["-R", `${o.user.uid}:${o.user.gid}`, o.dir]);
  const nginx = spawn("nginx", ["-c", join(o.dir, "nginx.conf"), "-p", o.dir, "-e", "stderr", "-g", "daemon off;"], {
    stdio: ["ignore", "ignore", "pipe"],
    ...(o.user ?? {}),
  });
  let errors = "";
  nginx.stderr!.on("data", (d) => {
    errors += d;
  });
  const base = `https://127.0.0.1:${httpsPort}`;
  const stop = async () => {
    if (nginx.exitCode !== null || nginx.signalCode !== null) return;
    const exited = new Promise((r) => nginx.once("exit", r));
    nginx.kill("SIGTERM"); // fast shutdown: a graceful one would wait out pending long-polls
    await exited;
  };
  // Ready when it answers (polling a condition, bounded).
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (nginx.exitCode !== null) throw new Error(`nginx exited: ${errors}`);
    try {
      if ((await request(`${base}/healthz`)).status === 200) break;
    } catch {}
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`nginx did not answer: ${errors}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { base, httpBase: `http://127.0.0.1:${httpPort}`, accessLog, process: nginx, stop };
}
