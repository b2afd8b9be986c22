// Profile pictures go through the same gate as every upload: typed from their bytes, scanned,
// re-encoded to a small square without metadata; the user row changes with a NOTIFY for chat-service.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { USER_UPDATED_CHANNEL } from "@messenger/common";
import { eventually } from "@messenger/common/testing";
import pg from "pg";
import sharp from "sharp";
import { EICAR, type Harness, startHarness } from "./helpers.js";

let h: Harness;
let listener: pg.Client;
const notified: string[] = [];
before(async () => {
  h = await startHarness();
  listener = new pg.Client({ connectionString: h.database.url });
  await listener.connect();
  listener.on("notification", (n) => {
    if (n.channel === USER_UPDATED_CHANNEL && n.payload) notified.push(n.payload);
  });
  await listener.query(`LISTEN ${USER_UPDATED_CHANNEL}`);
});
after(async () => {
  await listener.end();
  await h.close();
});

const postAvatar = (token: string, file: Buffer, name: string, type: string) => {
  const form = new FormData();
  form.append("file", new Blob([file], { type }), name);
  return fetch(`${h.base}/api/media/avatar`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
};
const get = (path: string, token: string) =>
  fetch(`${h.base}${path}`, { headers: { authorization: `Bearer ${token}` } });
const avatarKey = async (userId: string) =>
  (await h.db.query<{ avatar_key: string | null }>("SELECT avatar_key FROM users WHERE id = $1", [userId])).rows[0]
    ?.avatar_key ?? null;
const objectExists = (key: string) =>
  h.minio.statObject(h.bucket, key).then(
    () => true,
    () => false,
  );

/** A 1200×800 JPEG with camera EXIF. */
const photo = () =>
  sharp({ create: { width: 1200, height: 800, channels: 3, background: "#3a6" } })
    .jpeg()
    .withExif({ IFD0: { Make: "TestCam", Model: "Field Unit 7" } })
    .toBuffer();

test("an avatar becomes a 256 px square WebP without metadata, anyone signed in sees it, and chat-service is told", async () => {
  const { alice, mallory } = h.users;
  const res = await postAvatar(alice.token, await photo(), "me.jpg", "image/jpeg");
  assert.equal(res.status, 201, await res.clone().text());
  const { avatarUrl } = (await res.json()) as { avatarUrl: string };
  assert.match(avatarUrl, new RegExp(`^/api/media/avatars/${alice.id}\\?v=`));
  await eventually("chat-service is told of the change", () => notified.includes(alice.id));

  const served = await get(avatarUrl, mallory.token);
  assert.equal(served.status, 200);
  assert.equal(served.headers.get("content-type"), "image/webp");
  const body = Buffer.from(await served.arrayBuffer());
  const meta = await sharp(body).metadata();
  assert.deepEqual([meta.format, meta.width, meta.height], ["webp", 256, 256]);
  assert.equal(meta.exif, undefined);
  assert.equal(body.includes("TestCam"), false);
  assert.equal((await fetch(`${h.base}${avatarUrl}`)).status, 401);

  // A new one replaces it, and the old object goes.
  const first = (await avatarKey(alice.id))!;
  assert.equal((await postAvatar(alice.token, await photo(), "again.jpg", "image/jpeg")).status, 201);
  const second = (await avatarKey(alice.id))!;
  assert.notEqual(second, first);
  assert.equal(await objectExists(first), false);
  assert.equal(await objectExists(second), true);

  // DELETE returns to initials.
  const del = await fetch(`${h.base}/api/media/avatar`, {
    method: "DELETE",
    headers: { authorization: `Bearer ${alice.token}` },
  });
  assert.equal(del.status, 204);
  assert.equal(await avatarKey(alice.id), null);
  assert.equal(await objectExists(second), false);
  assert.equal((await get(`/api/media/avatars/${alice.id}`, mallory.token)).status, 404);
});

test("an avatar that is not an image, or carries a virus, is refused and nothing changes", async () => {
  const { bob } = h.users;
  const text = await postAvatar(bob.token, Buffer.from("just some text, not a picture"), "me.jpg", "image/jpeg");
  assert.equal(text.status, 415);
  assert.equal(((await text.json()) as { error: { code: string } }).error.code, "unsupported_type");
  const infected = await postAvatar(bob.token, Buffer.concat([await photo(), EICAR]), "me.jpg", "image/jpeg");
  assert.equal(infected.status, 422, await infected.clone().text());
  assert.equal(((await infected.json()) as { error: { code: string } }).error.code, "infected");
  assert.equal(await avatarKey(bob.id), null);
  assert.equal(notified.includes(bob.id), false);
});
