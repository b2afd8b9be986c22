// A push service stand-in on loopback, written for the tests: it receives what web-push sends, checks
// the VAPID JWT (ES256 signature with the key in the header, audience = this origin, expiry) and
// decrypts the payload (RFC 8291, aes128gcm) with the subscription keys the test made, as a browser
// makes them. Nothing here trusts the sender: a bad signature or audience is recorded as such.
import { execFileSync } from "node:child_process";
import { createECDH, createPublicKey, randomBytes, randomUUID, verify } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PushPayload } from "@messenger/protocol";
import { decrypt } from "http_ece";

export interface BrowserSubscription {
  /** What `PushSubscription.toJSON()` gives: POST it to /api/push/subscriptions. */
  json: { endpoint: string; keys: { p256dh: string; auth: string } };
  id: string;
}

export interface ReceivedPush {
  subscriptionId: string;
  /** The VAPID JWT's signature verified against the `k=` key, and the claims. */
  signatureValid: boolean;
  vapidKey: string;
  claims: { aud?: string; exp?: number; sub?: string };
  headers: Record<string, string | string[] | undefined>;
  payload: PushPayload | null;
}

const b64url = (b: Buffer) => b.toString("base64url");

/** Verifies a compact ES256 JWS with a raw P-256 public key (65 bytes, base64url). */
function verifyEs256(jwt: string, rawKey: string): boolean {
  const [h, p, s] = jwt.split(".");
  if (!h || !p || !s) return false;
  const raw = Buffer.from(rawKey, "base64url");
  if (raw.length !== 65 || raw[0] !== 4) return false;
  const key = createPublicKey({
    key: { kty: "EC", crv: "P-256", x: b64url(raw.subarray(1, 33)), y: b64url(raw.subarray(33)) },
    format: "jwk",
  });
  return verify("sha256", Buffer.from(`${h}.${p}`), { key, dsaEncoding: "ieee-p1363" }, Buffer.from(s, "base64url"));
}

export async function startPushService() {
  const dir = mkdtempSync(join(tmpdir(), "push-service-"));
  // A certificate for 127.0.0.1 that only the app under test is told to trust.
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      join(dir, "key.pem"),
      "-out",
      join(dir, "cert.pem"),
      "-days",
      "1",
      "-subj",
      "/CN=127.0.0.1",
      "-addext",
      "subjectAltName=IP:127.0.0.1",
    ],
    { stdio: "ignore" },
  );
  const cert = readFileSync(join(dir, "cert.pem"));
  const key = readFileSync(join(dir, "key.pem"));
  rmSync(dir, { recursive: true, force: true });

  const keys = new Map<string, { ecdh: ReturnType<typeof createECDH>; auth: Buffer }>();
  /** Status to answer per subscription (201 unless told; "hang": never answer). */
  const answers = new Map<string, number | "hang">();
  const received: ReceivedPush[] = [];
  const listeners = new Set<() => void>();

  const server = https.createServer({ cert, key }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const id = (req.url ?? "").replace(/^\/push\//, "");
      const sub = keys.get(id);
      if (req.method !== "POST" || !sub) {
        res.writeHead(404).end();
        return;
      }
      const auth = String(req.headers.authorization ?? "");
      const m = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(auth);
      const jwt = m?.[1] ?? "";
      const vapidKey = m?.[2] ?? "";
      let claims: ReceivedPush["claims"] = {};
      try {
        claims = JSON.parse(Buffer.from(jwt.split(".")[1] ?? "", "base64url").toString("utf8"));
      } catch {
        claims = {};
      }
      const body = Buffer.concat(chunks);
      let payload: PushPayload | null = null;
      if (body.length) {
        if (req.headers["content-encoding"] !== "aes128gcm") throw new Error("not aes128gcm");
        payload = JSON.parse(
          decrypt(body, { version: "aes128gcm", privateKey: sub.ecdh, authSecret: sub.auth }).toString("utf8"),
        ) as PushPayload;
      }
      received.push({
        subscriptionId: id,
        signatureValid: m ? verifyEs256(jwt, vapidKey) : false,
        vapidKey,
        claims,
        headers: req.headers,
        payload,
      });
      for (const fn of listeners) fn();
      const answer = answers.get(id) ?? 201;
      if (answer !== "hang") res.writeHead(answer).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    origin,
    received,
    /** The app's connection pool: trusts this stand-in's certificate and nothing else. */
    agent: () => new https.Agent({ ca: cert, keepAlive: true }),
    /** A new subscription as a browser makes one: its own P-256 key pair and 16-byte auth secret. */
    subscribe(): BrowserSubscription {
      const ecdh = createECDH("prime256v1");
      ecdh.generateKeys();
      const auth = randomBytes(16);
      const id = randomUUID();
      keys.set(id, { ecdh, auth });
      return {
        id,
        json: { endpoint: `${origin}/push/${id}`, keys: { p256dh: b64url(ecdh.getPublicKey()), auth: b64url(auth) } },
      };
    },
    /** From now on, pushes to this subscription are answered with `status` (410: unsubscribed; "hang": never). */
    answer(sub: BrowserSubscription, status: number | "hang") {
      answers.set(sub.id, status);
    },
    to: (sub: BrowserSubscription) => received.filter((r) => r.subscriptionId === sub.id),
    /** Resolves once `n` pushes reached this subscription. */
    waitFor(sub: BrowserSubscription, n = 1): Promise<ReceivedPush[]> {
      return new Promise((resolve) => {
        const check = () => {
          const got = received.filter((r) => r.subscriptionId === sub.id);
          if (got.length >= n) {
            listeners.delete(check);
            resolve(got);
          }
        };
        listeners.add(check);
        check();
      });
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
export type PushServiceStandIn = Awaited<ReturnType<typeof startPushService>>;
