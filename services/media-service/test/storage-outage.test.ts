import assert from "node:assert/strict";
import { once } from "node:events";
import { connect, createServer, type Server, type Socket } from "node:net";
import { after, before, test } from "node:test";
import sharp from "sharp";
import { attachmentCount, type Harness, leftoverTempFiles, startHarness, upload } from "./helpers.js";

/**
 * A TCP relay in front of the S3 server that can hang it: once frozen, it accepts connections and passes
 * nothing either way, as a SIGSTOPped or wedged MinIO does. It can also slow the link down, or answer PUTs
 * as a MinIO with full disks does (s3rver has no such state).
 */
async function freezableRelay(target: { host: string; port: number }) {
  let frozen = false;
  let slow = false;
  let full = false;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("error", () => {});
      s.on("close", () => sockets.delete(s));
    }
    client.on("data", (d) => {
      if (frozen) return;
      if (full && d.subarray(0, 4).toString() === "PUT ") {
        // What MinIO answers when its disks are full.
        const body = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>XMinioStorageFull</Code><Message>Storage backend has reached its minimum free drive threshold.</Message></Error>`;
        client.end(
          `HTTP/1.1 507 Insufficient Storage\r\ncontent-type: application/xml\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`,
        );
        return;
      }
      upstream.write(d);
      if (slow) {
        // A slow link: each chunk is followed by a pause, so a few MB take seconds but bytes keep moving.
        client.pause();
        setTimeout(() => client.resume(), 5);
      }
    });
    upstream.on("data", (d) => frozen || client.write(d));
    client.on("end", () => frozen || upstream.end());
    upstream.on("end", () => frozen || client.end());
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    port: (server.address() as { port: number }).port,
    freeze() {
      frozen = true;
    },
    slowDown(on: boolean) {
      slow = on;
    },
    fillUp(on: boolean) {
      full = on;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

let h: Harness;
let relay: Awaited<ReturnType<typeof freezableRelay>>;
let base: string;
before(async () => {
  h = await startHarness();
  relay = await freezableRelay({ host: h.s3.endPoint, port: h.s3.port });
  ({ base } = await h.startApp({ MINIO_PORT: relay.port, MINIO_TIMEOUT_MS: 1000, READYZ_TIMEOUT_MS: 1000 }));
});
after(async () => {
  await relay.close(); // first: the S3 server waits for the relay's connections to end before it stops
  await h.close();
});

test("an upload slower to send than the S3 deadline is stored all the same: only a stall counts", async (t) => {
  const patient = await h.startApp({ MINIO_PORT: relay.port, MINIO_TIMEOUT_MS: 1500 });
  const file = Buffer.alloc(24 * 1024 * 1024, 7);
  relay.slowDown(true);
  const started = Date.now();
  try {
    const res = await upload({ ...patient, conversationId: h.conversationId }, h.users.alice.token, file, "big.bin");
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const tookMs = Date.now() - started;
    assert.ok(tookMs > 1500, `the upload took ${tookMs} ms, more than the 1500 ms deadline`);
    t.diagnostic(`24 MB over the slow link stored in ${tookMs} ms`);
  } finally {
    relay.slowDown(false);
  }
});

test("with MinIO's disks full an upload answers 507 storage_full and nothing is stored", async () => {
  const before = await attachmentCount(h);
  relay.fillUp(true);
  try {
    const res = await upload(
      { base, conversationId: h.conversationId },
      h.users.alice.token,
      Buffer.alloc(4096, 1),
      "f.bin",
    );
    assert.equal(res.status, 507, JSON.stringify(res.body));
    assert.equal(res.body.error?.code, "storage_full");
  } finally {
    relay.fillUp(false);
  }
  assert.equal(await attachmentCount(h), before);
});

test("with S3 hung, /readyz answers 503 within its deadline and an upload answers 503 storage_unavailable", async (t) => {
  const png = await sharp({ create: { width: 32, height: 32, channels: 3, background: "#36c" } })
    .png()
    .toBuffer();
  assert.equal((await fetch(`${base}/readyz`)).status, 200);
  assert.equal(
    (await upload({ base, conversationId: h.conversationId }, h.users.alice.token, png, "a.png")).status,
    201,
  );

  relay.freeze();
  let started = Date.now();
  const ready = await fetch(`${base}/readyz`);
  const readyMs = Date.now() - started;
  assert.equal(ready.status, 503);
  assert.deepEqual(await ready.json(), { ok: false, db: true, clamd: true, s3: false });
  assert.ok(readyMs < 2500, `/readyz took ${readyMs} ms`);

  started = Date.now();
  const res = await upload({ base, conversationId: h.conversationId }, h.users.alice.token, png, "b.png");
  const uploadMs = Date.now() - started;
  assert.equal(res.status, 503, JSON.stringify(res.body));
  assert.equal(res.body.error?.code, "storage_unavailable");
  assert.ok(uploadMs < 5000, `upload answered after ${uploadMs} ms`);
  assert.equal(await attachmentCount(h), 2, "only the uploads from before the outage");
  assert.deepEqual(await leftoverTempFiles(h), []);
  t.diagnostic(`/readyz 503 in ${readyMs} ms, upload 503 in ${uploadMs} ms (S3 deadline 1000 ms)`);
});
