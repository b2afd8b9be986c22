// THE acceptance test for 1:1 calls: two real Chromium contexts, the real chat-service
// and a real coturn on loopback. Media must flow through the TURN relay.
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { productionTurnTemplate, startTurnServer, type TestTurnServer } from "@messenger/common/testing";
import type { IceServersResponse } from "@messenger/protocol";
import type { Browser, Page } from "playwright-core";
import { iceServersFor } from "../src/calls/ice.js";
import { bundlePage, launchChromium, openCallPage, pageHtml } from "./fixtures/call-page/driver.js";
import { startCallHarness } from "./fixtures/call-page/harness.js";
import { api, directWith, type Harness, register, type TestUser } from "./helpers.js";

type CallPage = {
  view: { state: string; endedReason: string | null; callId: string | null; errors: string[] };
  init(token: string, ice?: unknown): Promise<void>;
  invite(conversationId: string): Promise<{ ok: boolean }>;
  accept(): Promise<{ ok: boolean }>;
  hangup(): Promise<{ ok: boolean }>;
  stats(): Promise<{
    videoWidth: number;
    framesDecoded: number;
    localCandidateType: string | null;
    remoteCandidateType: string | null;
  }>;
  gatherWith(servers: unknown): Promise<string[]>;
  waitForFrames(min: number): Promise<{ videoWidth: number; framesDecoded: number }>;
};
declare const window: { callPage: CallPage };

let turn: TestTurnServer;
let h: Harness;
let browser: Browser;
let html: string;
let alice: TestUser;
let bob: TestUser;
let conversationId: string;

before(async () => {
  [turn, html, browser] = await Promise.all([startTurnServer(), bundlePage().then(pageHtml), launchChromium()]);
  h = await startCallHarness({ TURN_SECRET: turn.secret, TURN_URLS: turn.urls.join(",") }, { pageHtml: html });
  [alice, bob] = await Promise.all([register(h), register(h)]);
  conversationId = await directWith(h, alice, bob);
});
after(async () => {
  await browser?.close();
  await h?.close();
  await turn?.stop();
});

const stats = (p: Page) => p.evaluate(() => window.callPage.stats());
const state = (p: Page) => p.evaluate(() => window.callPage.view);

describe("1:1 video call in Chromium through coturn", { concurrency: false }, () => {
  test("A calls B, B answers, B sees A's camera over a relay↔relay pair; hang-up ends both sides", async () => {
    const a = await openCallPage(browser, h.url);
    const b = await openCallPage(browser, h.url);
    try {
      await a.page.evaluate((t) => window.callPage.init(t), alice.accessToken);
      await b.page.evaluate((t) => window.callPage.init(t), bob.accessToken);

      const invited = await a.page.evaluate((c) => window.callPage.invite(c), conversationId);
      assert.equal(invited.ok, true);
      await b.page.waitForFunction(() => window.callPage.view.state === "ringing-in");
      const accepted = await b.page.evaluate(() => window.callPage.accept());
      assert.equal(accepted.ok, true);

      // B decodes A's fake camera…
      const first = await b.page.evaluate(() => window.callPage.waitForFrames(0));
      assert.ok(first.videoWidth > 0, `videoWidth ${first.videoWidth}`);
      // …and keeps decoding it.
      const later = await b.page.evaluate((n) => window.callPage.waitForFrames(n + 10), first.framesDecoded);
      assert.ok(later.framesDecoded > first.framesDecoded);
      // Both ends use TURN-allocated addresses: the media went through coturn.
      for (const p of [a.page, b.page]) {
        const s = await stats(p);
        assert.equal(s.localCandidateType, "relay");
        assert.equal(s.remoteCandidateType, "relay");
      }
      assert.equal((await state(a.page)).state, "connected");

      const hung = await a.page.evaluate(() => window.callPage.hangup());
      assert.equal(hung.ok, true);
      await b.page.waitForFunction(() => window.callPage.view.state === "ended");
      assert.equal((await state(b.page)).endedReason, "hangup");
      assert.equal((await state(a.page)).state, "ended");
      assert.equal(
        await b.page.evaluate(() => (document.getElementById("remote") as HTMLVideoElement).srcObject),
        null,
      );
    } finally {
      await a.context.close();
      await b.context.close();
    }
  });

  test("coturn refuses wrong and expired TURN credentials: no relay candidates", async () => {
    const a = await openCallPage(browser, h.url);
    try {
      const good = (await api<IceServersResponse>(h, alice, "GET", "/api/calls/ice-servers")).body.iceServers;
      const turnEntry = good.find((s) => s.username)!;
      // Positive control: the service's own credential gets a relay candidate.
      const withGood = await a.page.evaluate((s) => window.callPage.gatherWith(s), [turnEntry]);
      assert.ok(withGood.includes("relay"), `candidates: ${withGood}`);

      const wrongPassword = {
        ...turnEntry,
        credential: createHmac("sha1", "not-the-secret").update(turnEntry.username!).digest("base64"),
      };
      const expiredName = `${Math.floor(Date.now() / 1000) - 60}:${alice.user.id}`;
      const expired = {
        ...turnEntry,
        username: expiredName,
        credential: createHmac("sha1", turn.secret).update(expiredName).digest("base64"),
      };
      for (const bad of [wrongPassword, expired]) {
        const got = await a.page.evaluate((s) => window.callPage.gatherWith(s), [bad]);
        assert.deepEqual(got, [], `no candidates with ${bad.username}`);
      }
    } finally {
      await a.context.close();
    }
  });

  test("the production coturn config is no open proxy: relaying to loopback/private peers is refused", async () => {
    // coturn/turnserver.conf as shipped, moved onto loopback ports without TLS.
    const template = await productionTurnTemplate();
    assert.doesNotMatch(template, /allow-loopback-peers/);
    const prodTurn = await startTurnServer({ configTemplate: template });
    const a = await openCallPage(browser, h.url);
    const b = await openCallPage(browser, h.url);
    try {
      const settings = { secret: prodTurn.secret, urls: prodTurn.urls, ttlSeconds: 600 };
      const iceA = iceServersFor(settings, alice.user.id).iceServers;
      const iceB = iceServersFor(settings, bob.user.id).iceServers;
      // The credential is good (an allocation succeeds)…
      const gathered = await a.page.evaluate((s) => window.callPage.gatherWith(s), iceA);
      assert.ok(gathered.includes("relay"), `candidates: ${gathered}`);
      await a.page.evaluate(([t, ice]) => window.callPage.init(t!, ice), [alice.accessToken, iceA] as const);
      await b.page.evaluate(([t, ice]) => window.callPage.init(t!, ice), [bob.accessToken, iceB] as const);
      assert.equal((await a.page.evaluate((c) => window.callPage.invite(c), conversationId)).ok, true);
      await b.page.waitForFunction(() => window.callPage.view.state === "ringing-in");
      assert.equal((await b.page.evaluate(() => window.callPage.accept())).ok, true);
      // …but the peers' relayed addresses are loopback, which the production config denies.
      await b.page.waitForFunction(() => window.callPage.view.errors.includes("ERR_CONNECTION_FAILURE"), undefined, {
        timeout: 60_000,
      });
      assert.equal((await stats(b.page)).framesDecoded, 0);
      assert.match(prodTurn.log(), /Forbidden IP/);
      await a.page.evaluate(() => window.callPage.hangup());
    } finally {
      await a.context.close();
      await b.context.close();
      await prodTurn.stop();
    }
  });
});
