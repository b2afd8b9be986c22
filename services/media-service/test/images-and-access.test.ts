import assert from "node:assert/strict";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { signAccessToken } from "@messenger/common";
import pg from "pg";
import sharp from "sharp";
import { type Harness, JWT_SECRET, objectKeysIn, startHarness, upload } from "./helpers.js";

/** Number of entries in the GPS IFD of an EXIF block (0 when there is none): proves the fixture carries GPS. */
function gpsEntries(exif: Buffer | undefined): number {
  if (!exif) return 0;
  const tiff = exif.subarray(exif.indexOf("Exif\0\0") === 0 ? 6 : 0);
  const le = tiff.toString("latin1", 0, 2) === "II";
  const u16 = (o: number) => (le ? tiff.readUInt16LE(o) : tiff.readUInt16BE(o));
  const u32 = (o: number) => (le ? tiff.readUInt32LE(o) : tiff.readUInt32BE(o));
  const ifd0 = u32(4);
  for (let i = 0; i < u16(ifd0); i++) {
    const entry = ifd0 + 2 + i * 12;
    if (u16(entry) === 0x8825) return u16(u32(entry + 8)); // GPSInfo pointer → entry count of the GPS IFD
  }
  return 0;
}

/** A 3000×2000 photo stored sideways (EXIF orientation 6) with GPS coordinates: left half red, right half blue. */
async function sidewaysPhotoWithGps(): Promise<Buffer> {
  const red = await sharp({ create: { width: 1500, height: 2000, channels: 3, background: "#f00" } })
    .png()
    .toBuffer();
  return sharp({ create: { width: 3000, height: 2000, channels: 3, background: "#00f" } })
    .composite([{ input: red, left: 0, top: 0 }])
    .jpeg({ quality: 90 })
    .withExif({
      IFD0: { Make: "TestCam", Model: "Field Unit 7" },
      IFD3: { GPSLatitudeRef: "N", GPSLatitude: "59/1 26/1 12/1", GPSLongitudeRef: "E", GPSLongitude: "24/1 45/1 3/1" },
    })
    .withMetadata({ orientation: 6 })
    .toBuffer();
}

async function pixel(img: Buffer, x: number, y: number): Promise<[number, number, number]> {
  const { data, info } = await sharp(img).raw().toBuffer({ resolveWithObject: true });
  const o = (y * info.width + x) * info.channels;
  return [data[o]!, data[o + 1]!, data[o + 2]!];
}

const get = (h: { base: string }, path: string, token?: string, headers: Record<string, string> = {}) =>
  fetch(`${h.base}${path}`, {
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    redirect: "manual",
  });

describe("photos, access and delivery", () => {
  let h: Harness;
  let photoUrl: string;
  let thumbUrl: string;

  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  test("a JPEG with GPS EXIF comes back upright, resized, without any metadata, with a thumbnail", async () => {
    const original = await sidewaysPhotoWithGps();
    const inMeta = await sharp(original).metadata();
    assert.equal(inMeta.orientation, 6);
    assert.ok(gpsEntries(inMeta.exif) >= 4, "the fixture really carries GPS coordinates");

    const res = await upload(h, h.users.alice.token, original, "IMG_0001.JPG", { type: "image/jpeg" });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const a = res.body.attachment!;
    assert.equal(a.kind, "image");
    assert.equal(a.status, "ready");
    assert.equal(a.conversationId, h.conversationId);
    assert.equal(a.mime, "image/jpeg");
    // Upright: the 3000×2000 sideways frame becomes portrait, longest side capped at 2560.
    assert.deepEqual([a.width, a.height], [1707, 2560]);
    assert.ok(a.url && a.thumbnailUrl);
    photoUrl = a.url;
    thumbUrl = a.thumbnailUrl!;

    const body = Buffer.from(await (await get(h, photoUrl, h.users.bob.token)).arrayBuffer());
    assert.equal(body.length, a.size);
    const out = await sharp(body).metadata();
    assert.equal(out.format, "jpeg");
    assert.deepEqual([out.width, out.height], [1707, 2560]);
    assert.equal(out.exif, undefined, "no EXIF at all (GPS, camera, orientation)");
    assert.equal(out.xmp, undefined);
    assert.equal(out.iptc, undefined);
    assert.equal(body.includes("TestCam"), false);
    // The red (left) half of the sideways original is now on top.
    const [r1, , b1] = await pixel(body, 850, 100);
    const [r2, , b2] = await pixel(body, 850, 2460);
    assert.ok(r1 > 200 && b1 < 60, "top is red");
    assert.ok(b2 > 200 && r2 < 60, "bottom is blue");

    const thumb = await get(h, thumbUrl, h.users.bob.token);
    assert.equal(thumb.status, 200);
    const tMeta = await sharp(Buffer.from(await thumb.arrayBuffer())).metadata();
    assert.ok(Math.max(tMeta.width!, tMeta.height!) <= 320);
    assert.ok(tMeta.height! > tMeta.width!, "thumbnail is upright too");
  });

  test("a photo larger than the shown size offers its original resolution, upright and still without metadata", async () => {
    const res = await upload(h, h.users.alice.token, await sidewaysPhotoWithGps(), "IMG_0002.JPG", {
      type: "image/jpeg",
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const a = res.body.attachment!;
    assert.equal(a.originalUrl, `/api/media/${a.id}/original`);
    const got = await get(h, a.originalUrl!, h.users.bob.token);
    assert.equal(got.status, 200);
    assert.match(got.headers.get("content-disposition") ?? "", /^attachment; filename="IMG_0002.jpg"/);
    const body = Buffer.from(await got.arrayBuffer());
    const meta = await sharp(body).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ["jpeg", 2000, 3000], "full size, upright");
    assert.equal(meta.exif, undefined, "no EXIF (GPS, camera, orientation)");
    assert.equal(body.includes("TestCam"), false);
    const [r, , b] = await pixel(body, 1000, 100);
    assert.ok(r > 200 && b < 60, "top is red: rotated like the shown copy");
    // Members only, like every other variant.
    assert.equal((await get(h, a.originalUrl!, h.users.mallory.token)).status, 404);

    // A photo already within the shown size has no separate original: the shown one is it.
    const small = await sharp({ create: { width: 800, height: 600, channels: 3, background: "#0a0" } })
      .jpeg()
      .toBuffer();
    const s = await upload(h, h.users.alice.token, small, "small.jpg", { type: "image/jpeg" });
    assert.equal(s.status, 201);
    assert.equal(s.body.attachment!.originalUrl, undefined);
  });

  test("a file name with bidi controls or zero-width characters is stored without them (no spoofed extension)", async () => {
    const res = await upload(
      h,
      h.users.alice.token,
      Buffer.from("quarterly figures\n"),
      "invoice\u202Egpj.exe\u200B.txt",
      {
        type: "text/plain",
      },
    );
    assert.equal(res.status, 201);
    assert.equal(res.body.attachment?.name, "invoicegpj.exe.txt");
  });

  test("a deleted user's token is refused with 401, not a 500", async () => {
    const db = new pg.Client({ connectionString: String(h.env.DATABASE_URL) });
    await db.connect();
    try {
      const { rows } = await db.query<{ id: string }>(
        "INSERT INTO users (username, display_name, password_hash) VALUES ('leaver', 'Leaver', 'x') RETURNING id",
      );
      const id = rows[0]!.id;
      await db.query("INSERT INTO conversation_members (conversation_id, user_id) VALUES ($1, $2)", [
        h.conversationId,
        id,
      ]);
      const token = await signAccessToken(JWT_SECRET, { userId: id, username: "leaver" });
      await db.query("DELETE FROM users WHERE id = $1", [id]);
      const res = await upload(h, token, Buffer.from("hello\n"), "note.txt", { type: "text/plain" });
      assert.equal(res.status, 401);
      assert.equal(res.body.error?.code, "unauthorized");
      assert.equal((await get(h, photoUrl, token)).status, 401);
    } finally {
      await db.end();
    }
  });

  test("an animated GIF stays animated", async () => {
    const frames = await Promise.all(
      ["#f00", "#0f0", "#00f"].map((c) =>
        sharp({ create: { width: 40, height: 30, channels: 4, background: c } })
          .raw()
          .toBuffer(),
      ),
    );
    // Three 40×30 frames stacked vertically; pageHeight makes sharp write them as an animation.
    const animated = await sharp(Buffer.concat(frames), { raw: { width: 40, height: 90, channels: 4, pageHeight: 30 } })
      .gif({ delay: [100, 100, 100], loop: 0 })
      .toBuffer();
    const res = await upload(h, h.users.alice.token, animated, "wave.gif", { type: "image/gif" });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.attachment!.mime, "image/gif");
    assert.deepEqual([res.body.attachment!.width, res.body.attachment!.height], [40, 30]);
    const body = Buffer.from(await (await get(h, res.body.attachment!.url, h.users.alice.token)).arrayBuffer());
    assert.equal((await sharp(body, { animated: true }).metadata()).pages, 3);
  });

  test("a non-member gets 404 on upload, download and thumbnail (the conversation's existence stays hidden); no token gets 401", async () => {
    const png = await sharp({ create: { width: 10, height: 10, channels: 3, background: "#123" } })
      .png()
      .toBuffer();
    const before = await objectKeysIn(h);
    const res = await upload(h, h.users.mallory.token, png, "x.png", { type: "image/png" });
    assert.equal(res.status, 404);
    assert.equal(res.body.error?.code, "not_found");
    assert.deepEqual(await objectKeysIn(h), before);

    for (const path of [photoUrl, thumbUrl]) {
      const r = await get(h, path, h.users.mallory.token);
      assert.equal(r.status, 404);
      assert.equal(((await r.json()) as { error: { code: string } }).error.code, "not_found");
      assert.equal((await get(h, `${path}?redirect=1`, h.users.mallory.token)).status, 404);
      assert.equal((await get(h, path)).status, 401);
    }
    // Same answer for an id that does not exist: existence is not revealed.
    const missing = await get(h, "/api/media/00000000-0000-4000-8000-000000000000", h.users.mallory.token);
    assert.equal(missing.status, 404);
  });

  test("the access cookie set by chat-service works for <img src> (no Authorization header)", async () => {
    const r = await get(h, thumbUrl, undefined, { cookie: `access_token=${h.users.bob.token}` });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get("content-type"), "image/webp");
  });

  test("a Range request gets 206 with exactly the asked bytes", async () => {
    const full = Buffer.from(await (await get(h, photoUrl, h.users.alice.token)).arrayBuffer());
    const r = await get(h, photoUrl, h.users.alice.token, { range: "bytes=100-1099" });
    assert.equal(r.status, 206);
    assert.equal(r.headers.get("content-range"), `bytes 100-1099/${full.length}`);
    assert.equal(r.headers.get("accept-ranges"), "bytes");
    assert.deepEqual(Buffer.from(await r.arrayBuffer()), full.subarray(100, 1100));
    const tail = await get(h, photoUrl, h.users.alice.token, { range: "bytes=-10" });
    assert.deepEqual(Buffer.from(await tail.arrayBuffer()), full.subarray(full.length - 10));
    const bad = await get(h, photoUrl, h.users.alice.token, { range: `bytes=${full.length + 5}-` });
    assert.equal(bad.status, 416);
  });

  test("?redirect=1 hands a member a presigned URL valid ≤ 5 minutes", async () => {
    const r = await get(h, `${photoUrl}?redirect=1`, h.users.bob.token);
    assert.equal(r.status, 302);
    const location = new URL(r.headers.get("location")!);
    assert.ok(Number(location.searchParams.get("X-Amz-Expires")) <= 300);
    const direct = await fetch(location);
    assert.equal(direct.status, 200);
    assert.equal(direct.headers.get("content-type"), "image/jpeg");
  });

  test("a presigned URL expires", async () => {
    // 5 s: long enough to be used at once even on a loaded machine, short enough to watch it expire.
    const short = await h.startApp({ PRESIGN_TTL_SECONDS: 5, MEDIA_URL_MODE: "redirect" });
    const r = await get(short, photoUrl, h.users.bob.token);
    assert.equal(r.status, 302);
    const location = r.headers.get("location")!;
    const url = new URL(location);
    assert.equal(url.searchParams.get("X-Amz-Expires"), "5");
    const signedAt = Date.parse(
      url.searchParams.get("X-Amz-Date")!.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, "$1-$2-$3T$4:$5:$6Z"),
    );
    const first = await fetch(location);
    if (Date.now() - signedAt < 4000) assert.equal(first.status, 200); // (skipped only if this machine stalled > 4 s)
    // Wait for the condition (S3 refusing the URL), bounded.
    let status = first.status;
    while (status === 200 && Date.now() - signedAt < 20_000) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      status = (await fetch(location)).status;
    }
    assert.equal(status, 403);
    assert.ok(Date.now() - signedAt >= 4000, "refused only once expired");
  });

  test("with no MINIO_ENDPOINT the service runs its own S3 server on a local directory", async () => {
    const dir = join(h.tmpDir, "zero-config-s3");
    const local = await h.startApp({ MINIO_ENDPOINT: "", MINIO_PORT: 0, MINIO_LOCAL_DIR: dir });
    const png = await sharp({ create: { width: 30, height: 20, channels: 4, background: "#0a0c" } })
      .png()
      .toBuffer();
    const res = await upload({ ...local, conversationId: h.conversationId }, h.users.alice.token, png, "logo.png", {
      type: "image/png",
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.attachment!.mime, "image/webp"); // transparency kept
    const r = await get(local, res.body.attachment!.url, h.users.bob.token);
    assert.equal(r.status, 200);
    assert.equal((await sharp(Buffer.from(await r.arrayBuffer())).metadata()).hasAlpha, true);
    assert.ok((await readdir(dir)).length > 0, "objects live in the local directory");
    assert.equal((await get(local, "/readyz")).status, 200);
  });
});
