import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import sharp from "sharp";
import { attachmentCount, type Harness, startHarness, upload } from "./helpers.js";

let h: Harness;
let png: Buffer;
before(async () => {
  h = await startHarness({ PUBLIC_ORIGINS: "https://chat.example.com" });
  png = await sharp({ create: { width: 16, height: 16, channels: 3, background: "#c63" } })
    .png()
    .toBuffer();
});
after(() => h.close());

test("a cookie-only upload from a foreign page, or with no Origin, is refused with 403 and nothing is stored", async () => {
  for (const origin of ["https://evil.example", undefined]) {
    const res = await upload(h, h.users.alice.token, png, "csrf.png", { viaCookie: true, origin });
    assert.equal(res.status, 403, `origin ${origin}: ${JSON.stringify(res.body)}`);
    assert.equal(res.body.error?.code, "origin_not_allowed");
  }
  assert.equal(await attachmentCount(h), 0);
});

test("a cookie upload from the app's own origin or a configured public origin is accepted", async () => {
  for (const origin of [h.base, "https://chat.example.com"]) {
    const res = await upload(h, h.users.alice.token, png, "mine.png", { viaCookie: true, origin });
    assert.equal(res.status, 201, `origin ${origin}: ${JSON.stringify(res.body)}`);
  }
});

test("a Bearer-token upload is unaffected by its Origin, and cookie reads (<img src>) still work", async () => {
  const res = await upload(h, h.users.alice.token, png, "api.png", { origin: "https://tool.example" });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  const read = await fetch(`${h.base}${res.body.attachment!.url}`, {
    headers: { cookie: `access_token=${h.users.bob.token}`, origin: "https://evil.example" },
  });
  assert.equal(read.status, 200);
});
