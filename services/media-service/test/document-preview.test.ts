// PDF previews against the real pipeline (clamd, pdftoppm under prlimit, sharp, S3): a PDF gets its first
// page as a thumbnail; a malformed PDF, or one that cannot be rendered in time, is still shared as a file,
// without a preview, and leaves nothing behind; an infected PDF is refused before anything renders it.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { minimalPdf } from "@messenger/common/testing";
import sharp from "sharp";
import { EICAR, type Harness, leftoverTempFiles, processesMentioning, startHarness, upload } from "./helpers.js";

const get = (h: { base: string }, path: string, token: string) =>
  fetch(`${h.base}${path}`, { headers: { authorization: `Bearer ${token}` } });

async function colourAt(img: Buffer, fx: number, fy: number): Promise<[number, number, number]> {
  const { data, info } = await sharp(img).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const o = (Math.floor(fy * info.height) * info.width + Math.floor(fx * info.width)) * info.channels;
  return [data[o]!, data[o + 1]!, data[o + 2]!];
}

describe("document previews", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  test("a PDF gets its first page as a thumbnail; the file itself is kept as sent", async () => {
    const pdf = minimalPdf({ width: 200, height: 300 });
    const res = await upload(h, h.users.alice.token, pdf, "Quarterly report.pdf", { type: "application/pdf" });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const a = res.body.attachment!;
    assert.equal(a.kind, "file");
    assert.equal(a.mime, "application/pdf");
    assert.ok(a.thumbnailUrl, "a thumbnail URL");

    const thumb = Buffer.from(await (await get(h, a.thumbnailUrl!, h.users.alice.token)).arrayBuffer());
    const meta = await sharp(thumb).metadata();
    assert.equal(meta.format, "webp");
    assert.equal(meta.height, 320, "the page's longest side is the thumbnail's size");
    assert.equal(Math.round((meta.width! / meta.height!) * 3), 2, "in the page's proportions (2:3)");
    assert.deepEqual([a.width, a.height], [meta.width, meta.height]);
    const [r, g, b] = await colourAt(thumb, 0.5, 0.85);
    assert.ok(r > 200 && g < 60 && b < 60, `the page's red lower half is rendered (${r},${g},${b})`);
    const [wr, wg, wb] = await colourAt(thumb, 0.9, 0.3);
    assert.ok(wr > 200 && wg > 200 && wb > 200, "and its white upper half");

    const file = Buffer.from(await (await get(h, a.url, h.users.alice.token)).arrayBuffer());
    assert.deepEqual(file, pdf, "the PDF is stored as it was sent");
    assert.equal((await get(h, a.thumbnailUrl!, h.users.mallory.token)).status, 404, "a non-member sees no thumbnail");
    assert.deepEqual(await leftoverTempFiles(h), []);
  });

  test("a malformed PDF is shared as a plain file, without a preview, and nothing is left running", async () => {
    const broken = Buffer.concat([
      Buffer.from("%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 9 0 R"),
      Buffer.alloc(5000, 0x41),
    ]);
    const res = await upload(h, h.users.alice.token, broken, "broken.pdf", { type: "application/pdf" });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.attachment!.mime, "application/pdf");
    assert.equal(res.body.attachment!.thumbnailUrl, undefined);
    assert.deepEqual(await leftoverTempFiles(h), []);
    assert.deepEqual(await processesMentioning(h.tmpDir), [], "no pdftoppm outlives the upload");
  });

  test("an infected PDF is refused by the scan before anything renders it", async () => {
    const infected = Buffer.concat([minimalPdf(), Buffer.from("\n"), EICAR]);
    const res = await upload(h, h.users.alice.token, infected, "invoice.pdf", { type: "application/pdf" });
    assert.equal(res.status, 422);
    assert.equal(res.body.error?.code, "infected");
  });
});

describe("document previews have a deadline", () => {
  test("a PDF that cannot be rendered in time is killed and shared without a preview", async () => {
    const h = await startHarness({ PDF_PREVIEW_TIMEOUT_MS: 1 });
    try {
      const res = await upload(h, h.users.alice.token, minimalPdf(), "slow.pdf", { type: "application/pdf" });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.equal(res.body.attachment!.thumbnailUrl, undefined);
      assert.deepEqual(await processesMentioning(h.tmpDir), []);
    } finally {
      await h.close();
    }
  });
});
