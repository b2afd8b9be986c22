import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import sharp from "sharp";
import {
  attachmentCount,
  EICAR,
  type Harness,
  leftoverTempFiles,
  objectKeysIn,
  startHarness,
  upload,
} from "./helpers.js";

const run = promisify(execFile);

// A minimal Windows PE header: "MZ", the PE offset at 0x3c, then "PE\0\0" and a machine/section header.
function windowsExecutable(): Buffer {
  const b = Buffer.alloc(1024);
  b.write("MZ", 0, "latin1");
  b.writeUInt32LE(0x80, 0x3c);
  b.write("PE\0\0", 0x80, "latin1");
  b.writeUInt16LE(0x14c, 0x84); // i386
  b.writeUInt16LE(1, 0x86); // one section
  b.writeUInt16LE(0xe0, 0x94); // optional header size
  b.writeUInt16LE(0x10b, 0x98); // PE32 magic
  return b;
}

describe("uploads that must never be stored", () => {
  let h: Harness;
  const MB = 1024 * 1024;
  before(async () => {
    h = await startHarness({ MAX_IMAGE_BYTES: 1 * MB, MAX_OTHER_BYTES: 2 * MB });
  });
  after(() => h.close());

  test("readiness reports database, clamd and S3 up", async () => {
    const ready = await fetch(`${h.base}/readyz`);
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), { ok: true, db: true, clamd: true, s3: true });
  });

  test("the EICAR test file is refused as infected, naming the signature, and nothing is stored", async () => {
    const res = await upload(h, h.users.alice.token, EICAR, "report.txt", { type: "text/plain" });
    assert.equal(res.status, 422);
    assert.equal(res.body.error?.code, "infected");
    assert.match(res.body.error?.message, /EICAR/i);
    assert.deepEqual(await objectKeysIn(h), []);
    assert.equal(await attachmentCount(h), 0);
    assert.deepEqual(await leftoverTempFiles(h), []);
  });

  test("clamd over its unix socket (CLAMD_SOCKET) refuses EICAR just the same", async () => {
    const viaSocket = await h.startApp({ CLAMD_SOCKET: h.clamd.socket });
    const res = await upload({ ...viaSocket, conversationId: h.conversationId }, h.users.alice.token, EICAR, "a.txt");
    assert.equal(res.status, 422);
    assert.equal(res.body.error?.code, "infected");
    assert.equal(await attachmentCount(h), 0);
  });

  test("EICAR inside a password-protected zip is refused as unscannable, and nothing is stored", async () => {
    const dir = await mkdtemp(join(tmpdir(), "encrypted-zip-"));
    try {
      await writeFile(join(dir, "invoice.txt"), EICAR);
      await run("zip", ["-q", "-j", "-P", "secret", join(dir, "invoice.zip"), join(dir, "invoice.txt")]);
      const zip = await readFile(join(dir, "invoice.zip"));
      assert.ok(!zip.includes(EICAR), "the archive hides the content from a plain byte match");
      const res = await upload(h, h.users.alice.token, zip, "invoice.zip", { type: "application/zip" });
      assert.equal(res.status, 422, JSON.stringify(res.body));
      assert.equal(res.body.error?.code, "unscannable");
      assert.match(res.body.error?.message ?? "", /encrypted/);
      assert.equal(await attachmentCount(h), 0);
      assert.deepEqual(await objectKeysIn(h), []);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("a Windows executable renamed .png is refused with 415 unsupported_type", async () => {
    const res = await upload(h, h.users.alice.token, windowsExecutable(), "holiday.png", { type: "image/png" });
    assert.equal(res.status, 415);
    assert.equal(res.body.error?.code, "unsupported_type");
    assert.equal(await attachmentCount(h), 0);
  });

  test("a text file dressed as a JPEG is refused: the type comes from the bytes, not the name", async () => {
    const res = await upload(h, h.users.alice.token, Buffer.from("just text, not a photo\n".repeat(300)), "p.jpg", {
      type: "image/jpeg",
    });
    assert.equal(res.status, 415);
    assert.equal(res.body.error?.code, "unsupported_type");
  });

  test("a HEIC photo this server cannot decode gets a clear 415, not a broken attachment", async () => {
    const ftyp = Buffer.alloc(24);
    ftyp.writeUInt32BE(24, 0);
    ftyp.write("ftypheic", 4, "latin1");
    ftyp.write("mif1heic", 16, "latin1");
    const heic = Buffer.concat([ftyp, Buffer.alloc(8192)]);
    const res = await upload(h, h.users.alice.token, heic, "IMG_0042.HEIC", { type: "image/heic" });
    assert.equal(res.status, 415);
    assert.equal(res.body.error?.code, "unsupported_type");
    assert.match(res.body.error?.message ?? "", /HEIC/);
    assert.equal(await attachmentCount(h), 0);
    assert.deepEqual(await objectKeysIn(h), []);
  });

  test("an oversized upload gets 413 too_large long before the client has sent its whole body", async (t) => {
    // A JPEG header then an endless stream of bytes, sent chunked (no Content-Length to refuse it up front).
    const jpegHead = await sharp({ create: { width: 8, height: 8, channels: 3, background: "#888" } })
      .jpeg()
      .toBuffer();
    const boundary = "----media-test-boundary";
    const preamble = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="conversationId"\r\n\r\n${h.conversationId}\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="huge.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`,
    );
    const total = 200 * MB;
    const chunk = Buffer.alloc(64 * 1024, 0xab);
    const url = new URL(`${h.base}/api/media`);
    let sent = 0;
    const result = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(url, {
        method: "POST",
        headers: {
          authorization: `Bearer ${h.users.alice.token}`,
          "content-type": `multipart/form-data; boundary=${boundary}`,
          "transfer-encoding": "chunked",
        },
      });
      let answered = false;
      req.on("response", (res) => {
        answered = true;
        let body = "";
        res.on("data", (d) => {
          body += d;
        });
        res.on("end", () => {
          resolve({ status: res.statusCode ?? 0, body });
          req.destroy();
        });
      });
      req.on("error", (err) => {
        if (!answered) reject(err);
      });
      const pump = () => {
        while (!answered && sent < total) {
          const ok = req.write(sent === 0 ? Buffer.concat([preamble, jpegHead]) : chunk);
          sent += sent === 0 ? preamble.length + jpegHead.length : chunk.length;
          if (!ok) return void req.once("drain", pump);
        }
        if (!answered) req.end(`\r\n--${boundary}--\r\n`);
      };
      pump();
    });
    assert.equal(result.status, 413);
    assert.equal(JSON.parse(result.body).error.code, "too_large");
    t.diagnostic(`client had sent ${(sent / MB).toFixed(1)} MB of 200 MB when the 413 arrived`);
    assert.ok(sent < 32 * MB, `the server stopped reading early (client had sent ${Math.round(sent / MB)} MB of 200)`);
    assert.equal(await attachmentCount(h), 0);
    assert.deepEqual(await objectKeysIn(h), []);
  });

  test("a declared Content-Length above every limit is refused before the body is read", async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(new URL(`${h.base}/api/media`), {
        method: "POST",
        headers: {
          authorization: `Bearer ${h.users.alice.token}`,
          "content-type": "multipart/form-data; boundary=x",
          "content-length": String(600 * MB), // above the largest (video) limit
        },
      });
      req.on("response", (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.on("error", reject);
      req.flushHeaders(); // headers only: not one byte of the announced 600 MB is ever sent
    });
    assert.equal(status, 413);
  });

  test("with clamd stopped an upload fails closed: 503 scanner_unavailable and nothing stored", async () => {
    await h.clamd.stop();
    const photo = await sharp({ create: { width: 64, height: 64, channels: 3, background: "#3a6" } })
      .jpeg()
      .toBuffer();
    const res = await upload(h, h.users.alice.token, photo, "ok.jpg", { type: "image/jpeg" });
    assert.equal(res.status, 503);
    assert.equal(res.body.error?.code, "scanner_unavailable");
    assert.deepEqual(await objectKeysIn(h), []);
    assert.equal(await attachmentCount(h), 0);
    const ready = await fetch(`${h.base}/readyz`);
    assert.equal(ready.status, 503);
    assert.equal(((await ready.json()) as { clamd: boolean }).clamd, false);
    // Operators see it: scan verdicts and refusals are counted.
    const metrics = await (await fetch(`${h.base}/metrics`)).text();
    assert.match(metrics, /media_scan_results_total\{result="infected"\} 1/);
    assert.match(metrics, /media_scan_results_total\{result="unavailable"\} 1/);
    assert.match(metrics, /media_scan_results_total\{result="unscannable"\} 1/);
    assert.match(metrics, /media_uploads_total\{outcome="too_large"\} 2/);
    // EICAR as text and the encrypted zip above.
    assert.match(metrics, /media_upload_stage_seconds_count\{stage="scan",kind="file"\} 2/);
  });
});
