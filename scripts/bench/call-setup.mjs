#!/usr/bin/env node
// Call setup time: from A pressing "call" to B's first decoded video frame of A's camera,
// with media forced through a real coturn relay on loopback (iceTransportPolicy "relay"),
// the real chat-service (socket.io signalling) and two Chromium contexts. B answers at once.
//
//   node scripts/bench/call-setup.mjs [runs=7]
//
// Needs PostgreSQL (TEST_DATABASE_ADMIN_URL, default postgres://postgres@127.0.0.1:5432/postgres),
// turnserver and /usr/bin/chromium. Runs the TypeScript sources through tsx, no build needed.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const self = fileURLToPath(import.meta.url);
if (!process.env.CALL_BENCH_CHILD) {
  const r = spawnSync(process.execPath, ["--conditions=source", "--import", "tsx", self, ...process.argv.slice(2)], {
    stdio: "inherit",
    cwd: fileURLToPath(new URL("../../services/chat-service/", import.meta.url)),
    env: { ...process.env, CALL_BENCH_CHILD: "1" },
  });
  process.exit(r.status ?? 1);
}

const runs = Number(process.argv[2] ?? 7);
const { startTurnServer } = await import("@messenger/common/testing");
const fixtures = "../../services/chat-service/test/fixtures/call-page/";
const { bundlePage, launchChromium, openCallPage, pageHtml } = await import(`${fixtures}driver.ts`);
const { startCallHarness } = await import(`${fixtures}harness.ts`);
const { directWith, register } = await import("../../services/chat-service/test/helpers.ts");

const turn = await startTurnServer();
const html = pageHtml(await bundlePage());
const h = await startCallHarness({ TURN_SECRET: turn.secret, TURN_URLS: turn.urls.join(",") }, { pageHtml: html });
const browser = await launchChromium();
const results = [];
try {
  const [alice, bob] = await Promise.all([register(h), register(h)]);
  const conversationId = await directWith(h, alice, bob);
  const a = await openCallPage(browser, h.url);
  const b = await openCallPage(browser, h.url);
  await a.page.evaluate((t) => window.callPage.init(t), alice.accessToken);
  await b.page.evaluate((t) => window.callPage.init(t), bob.accessToken);
  await b.page.evaluate(() => window.callPage.setAutoAnswer(true));

  for (let i = 0; i < runs; i++) {
    await a.page.evaluate(() => window.callPage.resetMarks());
    await b.page.evaluate(() => window.callPage.resetMarks());
    const ack = await a.page.evaluate((c) => window.callPage.invite(c), conversationId);
    if (!ack.ok) throw new Error(`invite refused: ${JSON.stringify(ack)}`);
    const s = await b.page.evaluate(() => window.callPage.waitForFrames(0));
    const route = await b.page.evaluate(() => window.callPage.stats());
    if (route.localCandidateType !== "relay" || route.remoteCandidateType !== "relay") {
      throw new Error(`not relayed: ${JSON.stringify(route)}`);
    }
    // The frame callback can lag the poll by one frame, and the connection-state event the frame
    // check: wait until both have fired before reading the marks.
    await b.page.waitForFunction(
      () => window.callPage.marks.firstFrameAt !== undefined && window.callPage.marks.connectedAt !== undefined,
    );
    const ma = await a.page.evaluate(() => ({ ...window.callPage.marks }));
    const mb = await b.page.evaluate(() => ({ ...window.callPage.marks }));
    const firstFrameAt = mb.firstFrameAt;
    results.push({
      total: firstFrameAt - ma.inviteAt,
      ring: mb.incomingAt - ma.inviteAt,
      accepted: ma.acceptedAt - ma.inviteAt,
      connected: mb.connectedAt - ma.inviteAt,
      size: `${s.videoWidth}x${s.videoHeight}`,
    });
    await a.page.evaluate(() => window.callPage.hangup());
    await b.page.waitForFunction(() => window.callPage.view.state === "ended");
  }
} finally {
  await browser.close();
  await h.close();
  await turn.stop();
}

const sorted = (k) => results.map((r) => r[k]).sort((x, y) => x - y);
const median = (k) => {
  const v = sorted(k);
  return v[Math.floor(v.length / 2)];
};
console.log("call setup via TURN relay on loopback (ms from pressing call, B answering at once):");
console.table(results);
console.log(
  `median: first remote frame ${median("total")} ms (ringing ${median("ring")} ms, accepted ${median("accepted")} ms, ` +
    `peer connected ${median("connected")} ms); min ${sorted("total")[0]} ms, max ${sorted("total").at(-1)} ms over ${runs} calls`,
);
