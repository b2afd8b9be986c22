// Both services' configs at boot with NODE_ENV=production: every placeholder of .env.example, every
// published default and every short or repetitive secret is refused, naming the variable; secrets made
// as the docs say (`openssl rand -hex 32`) start.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { loadConfig as loadChatConfig } from "@messenger/chat-service";
import { loadConfig as loadMediaConfig } from "@messenger/media-service";

const ROOT = join(import.meta.dirname, "..", "..");
const example = Object.fromEntries(
  readFileSync(join(ROOT, ".env.example"), "utf8")
    .split("\n")
    .filter((l) => /^[A-Z_]+=/.test(l))
    .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
);
const real = () => randomBytes(32).toString("hex");

const services = {
  "chat-service": {
    load: (env: Record<string, string>) => loadChatConfig({ NODE_ENV: "production", ...env }),
    secrets: ["JWT_SECRET", "TURN_SECRET", "JITSI_APP_SECRET"],
  },
  "media-service": {
    load: (env: Record<string, string>) =>
      loadMediaConfig({ NODE_ENV: "production", MINIO_ENDPOINT: "minio", MINIO_ACCESS_KEY: "messenger", ...env }),
    secrets: ["JWT_SECRET", "MINIO_SECRET_KEY"],
  },
};

for (const [name, service] of Object.entries(services)) {
  const good = () => Object.fromEntries(service.secrets.map((s) => [s, real()]));

  describe(`${name} in production`, () => {
    test("starts with secrets generated as the docs say, and with the shortest accepted", () => {
      assert.doesNotThrow(() => service.load(good()));
      const shortest = Object.fromEntries(service.secrets.map((s) => [s, randomBytes(16).toString("hex")]));
      assert.doesNotThrow(() => service.load(shortest));
    });

    for (const secret of service.secrets) {
      test(`refuses a missing, placeholder, default, short or repetitive ${secret}, naming it`, () => {
        const refused: (string | undefined)[] = [
          undefined, // the service's development default
          example[secret], // .env.example's change-me value
          "change-me-please-with-a-longer-tail-than-32",
          "a",
          real().slice(0, 31),
          "x".repeat(64),
          "S3RVER",
          "minioadmin",
        ];
        for (const value of refused) {
          const env = good();
          if (value === undefined) delete env[secret];
          else env[secret] = value;
          assert.throws(() => service.load(env), new RegExp(`\\b${secret}\\b`), `${secret}=${value} was accepted`);
        }
      });
    }

    test("refuses a placeholder or short password in DATABASE_URL (none is fine: peer or trust auth)", () => {
      const url = (password: string) => `postgres://messenger:${password}@postgres:5432/messenger`;
      assert.throws(() => service.load({ ...good(), DATABASE_URL: url(example.POSTGRES_PASSWORD!) }), /DATABASE_URL/);
      assert.throws(() => service.load({ ...good(), DATABASE_URL: url("hunter2") }), /DATABASE_URL/);
      assert.doesNotThrow(() => service.load({ ...good(), DATABASE_URL: url(real()) }));
      assert.doesNotThrow(() => service.load({ ...good(), DATABASE_URL: "postgres://messenger@postgres/messenger" }));
    });
  });
}

test("media-service in production refuses the embedded S3 server's access key", () => {
  const env = { JWT_SECRET: real(), MINIO_SECRET_KEY: real() };
  assert.throws(() => services["media-service"].load({ ...env, MINIO_ACCESS_KEY: "S3RVER" }), /MINIO_ACCESS_KEY/);
  assert.throws(() => loadMediaConfig({ NODE_ENV: "production", ...env }), /MINIO_ACCESS_KEY/);
});

test("development and tests keep their zero-config defaults", () => {
  assert.doesNotThrow(() => loadChatConfig({}));
  assert.doesNotThrow(() => loadMediaConfig({}));
});
