import assert from "node:assert/strict";
import { createReadStream } from "node:fs";
import { open, rm, stat } from "node:fs/promises";
import { request } from "node:http";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { attachmentCount, type Harness, leftoverTempFiles, startHarness } from "./helpers.js";

const MB = 1024 * 1024;
let h: Harness;
before(async () => {
  h = await startHarness({ MAX_OTHER_BYTES: 200 * MB });
});
after(() => h.close());

test("a 120 MB file goes through receive, scan and storage without the service holding it in memory", async (t) => {
  const path = join(h.tmpDir, "..", `media-big-${process.pid}.pdf`);
  const f = await open(path, "w");
  const chunk = Buffer.alloc(MB);
  for (let i = 0; i < 120; i++) {
    chunk.fill(i % 251);
    if (i === 0) chunk.write("%PDF-1.4\n", 0);
    await f.write(chunk);
  }
  await f.close();
  t.after(() => rm(path, { force: true }));
  const size = (await stat(path)).size;
  const boundary = "memory-test-boundary";
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="conversationId"\r\n\r\n${h.conversationId}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="minutes.pdf"\r\nContent-Type: application/pdf\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);

  global.gc?.();
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  try {
    const reply = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(`${h.base}/api/media`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${h.users.alice.token}`,
          "content-type": `multipart/form-data; boundary=${boundary}`,
          "content-length": head.length + size + tail.length,
        },
      });
      req.on("response", (res) => {
        let body = "";
        res.on("data", (d) => {
          body += d;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on("error", reject);
      req.write(head);
      const file = createReadStream(path);
      file.pipe(req, { end: false });
      file.on("end", () => req.end(tail));
    });
    assert.equal(reply.status, 201, reply.body);
    const { attachment } = JSON.parse(reply.body);
    assert.equal(attachment.size, size);
    assert.equal(attachment.mime, "application/pdf");
  } finally {
    clearInterval(sampler);
  }
  // Client, service and the S3 server share this process; still far below the file's 120 MB.
  const grewMb = (peak - baseline) / MB;
  t.diagnostic(`RSS grew by ${grewMb.toFixed(0)} MB while uploading 120 MB`);
  assert.ok(grewMb < 100, `RSS grew by ${grewMb.toFixed(0)} MB`);
  assert.equal(await attachmentCount(h), 1);
  assert.deepEqual(await leftoverTempFiles(h), []);
});
