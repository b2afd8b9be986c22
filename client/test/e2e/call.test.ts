// Calls and meetings in the REAL client UI: two people in two Chromium profiles, the real
// chat-service (behind the same gateway as `npm start`), a real coturn on loopback, and the
// fake camera/microphone. Media for the 1:1 call is forced through the TURN relay
// (`?forceRelay=1` → iceTransportPolicy "relay"), so a connected call proves the relay path.
//
// Jitsi itself does not run in CI. JITSI_DOMAIN points at a tiny HTTP server this test runs:
// it serves an `external_api.js` that builds the iframe the way Jitsi's IFrame API does
// (`<scheme>://<domain>/<room>?jwt=<token>#config…`) and a placeholder conference page, so the
// client's real code path (script tag from the configured domain → JitsiMeetExternalAPI →
// iframe) runs unchanged, and the token the iframe carries is verified here with jose.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import { after, before, describe, test } from "node:test";
import { startTurnServer, type TestTurnServer } from "@messenger/common/testing";
import type {
  AuthResponse,
  ClientToServerEvents,
  ConversationResponse,
  ServerToClientEvents,
  UsersResponse,
} from "@messenger/protocol";
import { jwtVerify } from "jose";
import type { Browser, Page } from "playwright-core";
import { io, type Socket } from "socket.io-client";
import {
  conversationItem,
  launchBrowser,
  type OpenedApp,
  openApp,
  PASSWORD,
  type Stack,
  screenshot,
  signUp,
  startDirect,
  startStack,
  uniqueName,
} from "./harness";

const JITSI_APP_ID = "e2e-messenger";
const JITSI_APP_SECRET = "e2e-jitsi-secret-0123456789abcdef";

/** What Jitsi's external_api.js does, reduced to building the iframe and a few no-op methods. */
const EXTERNAL_API_JS = `(() => {
  let next = 0;
  class JitsiMeetExternalAPI {
    constructor(domain, options = {}) {
      const { roomName = "", jwt, parentNode = document.body, width = "100%", height = "100%", noSSL = false,
        configOverwrite = {}, interfaceConfigOverwrite = {}, userInfo = {}, lang } = options;
      const id = next++;
      const hash = [];
      for (const [k, v] of Object.entries(configOverwrite)) hash.push("config." + k + "=" + encodeURIComponent(JSON.stringify(v)));
      for (const [k, v] of Object.entries(interfaceConfigOverwrite)) hash.push("interfaceConfig." + k + "=" + encodeURIComponent(JSON.stringify(v)));
      for (const [k, v] of Object.entries(userInfo)) hash.push("userInfo." + k + "=" + encodeURIComponent(JSON.stringify(v)));
      if (lang) hash.push("config.defaultLanguage=" + encodeURIComponent(JSON.stringify(lang)));
      hash.push("jitsi_meet_external_api_id=" + id);
      const frame = document.createElement("iframe");
      frame.src = (noSSL ? "http" : "https") + "://" + domain + "/" + encodeURIComponent(roomName)
        + (jwt ? "?jwt=" + encodeURIComponent(jwt) : "") + "#" + hash.join("&");
      frame.name = frame.id = "jitsiConferenceFrame" + id;
      frame.allow = "camera; microphone; display-capture; autoplay; clipboard-write; fullscreen";
      frame.style.border = "0";
      frame.style.width = typeof width === "number" ? width + "px" : width;
      frame.style.height = typeof height === "number" ? height + "px" : height;
      parentNode.appendChild(frame);
      this._frame = frame;
      this._listeners = {};
    }
    addListener(event, fn) { (this._listeners[event] ??= []).push(fn); }
    addEventListener(event, fn) { this.addListener(event, fn); }
    removeListener(event, fn) { this._listeners[event] = (this._listeners[event] ?? []).filter((f) => f !== fn); }
    executeCommand() {}
    getIFrame() { return this._frame; }
    dispose() { this._frame.remove(); }
  }
  window.JitsiMeetExternalAPI = JitsiMeetExternalAPI;
})();`;

interface JitsiStub {
  origin: string;
  host: string;
  /** Paths (with query) of conference pages the iframes loaded. */
  pages: string[];
  close(): Promise<void>;
}

async function startJitsiStub(): Promise<JitsiStub> {
  const pages: string[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://stub");
    if (url.pathname === "/external_api.js") {
      res.writeHead(200, { "content-type": "text/javascript; charset=utf-8" });
      res.end(EXTERNAL_API_JS);
      return;
    }
    if (url.pathname === "/favicon.ico") {
      res.writeHead(404).end();
      return;
    }
    pages.push(req.url ?? "/");
    const room = decodeURIComponent(url.pathname.slice(1)).replace(/[^a-z0-9]/gi, "");
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(
      `<!doctype html><title>Jitsi stub</title><body style="margin:0;display:grid;place-items:center;height:100vh;background:#1e2227;color:#cfd6de;font:16px system-ui">` +
        `<p>Stand-in for the Jitsi conference <b>${room}</b> (Jitsi does not run in CI)</p></body>`,
    );
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const host = `127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    origin: `http://${host}`,
    host,
    pages,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** Someone without a browser: a REST + socket.io client of the same services (to make Ben busy). */
async function headlessUser(baseUrl: string, username: string, displayName: string) {
  const call = async <T>(method: string, path: string, token: string | null, body?: unknown): Promise<T> => {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        ...(body ? { "content-type": "application/json" } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    assert.ok(res.ok, `${method} ${path}: ${res.status} ${await res.clone().text()}`);
    return (await res.json()) as T;
  };
  const auth = await call<AuthResponse>("POST", "/api/auth/register", null, {
    username,
    password: PASSWORD,
    displayName,
  });
  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(baseUrl, {
    auth: { token: auth.accessToken },
    transports: ["websocket"],
  });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("connect_error", reject);
  });
  return {
    socket,
    async directWith(otherUsername: string) {
      const { users } = await call<UsersResponse>("GET", `/api/users?q=${otherUsername}`, auth.accessToken);
      const other = users.find((u) => u.username === otherUsername);
      assert.ok(other, `found ${otherUsername}`);
      const { conversation } = await call<ConversationResponse>("POST", "/api/conversations", auth.accessToken, {
        kind: "direct",
        userId: other.id,
      });
      return conversation.id;
    },
  };
}

/** Frames the call's remote <video> has shown so far (0 while it has none). */
const remoteFrames = (page: Page) =>
  page.evaluate(() => {
    const v = document.querySelector<HTMLVideoElement>("[data-testid=call-remote-video]");
    return v && v.videoWidth > 0 ? v.getVideoPlaybackQuality().totalVideoFrames : 0;
  });

const waitForRemoteFrames = (page: Page, moreThan: number) =>
  page.waitForFunction(
    (n) => {
      const v = document.querySelector<HTMLVideoElement>("[data-testid=call-remote-video]");
      return !!v && v.videoWidth > 0 && v.getVideoPlaybackQuality().totalVideoFrames > n;
    },
    moreThan,
    // Generous: two Chromium profiles encode and decode video on a 2-core CI machine.
    { polling: 100, timeout: 60_000 },
  );

describe("calls and meetings in the web client", { concurrency: false }, () => {
  let turn: TestTurnServer;
  let jitsi: JitsiStub;
  let stack: Stack;
  let browser: Browser;
  let ana: OpenedApp;
  let ben: OpenedApp;
  const anaName = uniqueName("ana");
  const benName = uniqueName("ben");

  before(async () => {
    [turn, jitsi, browser] = await Promise.all([startTurnServer(), startJitsiStub(), launchBrowser()]);
    stack = await startStack({
      chatEnv: {
        TURN_SECRET: turn.secret,
        TURN_URLS: turn.urls.join(","),
        JITSI_DOMAIN: jitsi.origin,
        JITSI_APP_ID,
        JITSI_APP_SECRET,
      },
    });
    const media = { query: "forceRelay=1", context: { permissions: ["camera", "microphone"] } };
    [ana, ben] = await Promise.all([openApp(browser, stack.baseUrl, media), openApp(browser, stack.baseUrl, media)]);
    await signUp(ana.page, { username: anaName, displayName: "Ana Torres" });
    await signUp(ben.page, { username: benName, displayName: "Ben Okafor" });
    await startDirect(ana.page, benName, "Ben Okafor");
  });

  after(async () => {
    await browser?.close();
    await stack?.stop();
    await Promise.allSettled([turn?.stop(), jitsi?.close()]);
  });

  test("a declined call is explained to the caller, and Esc closes the notice", async () => {
    await ana.page.getByRole("button", { name: "Audio call" }).click();
    await ana.page.getByRole("dialog", { name: "Calling Ben Okafor…" }).waitFor();
    const incoming = ben.page.getByRole("dialog", { name: "Incoming call" });
    await incoming.getByText("Ana Torres is calling you").waitFor();
    await incoming.getByRole("button", { name: "Decline" }).click();
    await incoming.waitFor({ state: "detached" });

    const notice = ana.page.getByRole("alertdialog", { name: "Call ended" });
    await notice.getByText("Ben Okafor declined the call.").waitFor();
    await ana.page.keyboard.press("Escape");
    await notice.waitFor({ state: "detached" });
  });

  test("calling someone already on a call says they are busy; a ring its caller cancels disappears", async () => {
    const carl = await headlessUser(stack.baseUrl, uniqueName("carl"), "Carl Jensen");
    try {
      const conversationId = await carl.directWith(benName);
      const callId = randomUUID();
      const invited = await carl.socket.emitWithAck("call:invite", { callId, conversationId, video: true });
      assert.equal(invited.ok, true);
      const incoming = ben.page.getByRole("dialog", { name: "Incoming call" });
      await incoming.getByText("Carl Jensen is video calling you").waitFor();

      // Ben's phone is ringing: Ana's call finds him busy and her screen says so.
      await ana.page.getByRole("button", { name: "Video call" }).click();
      const notice = ana.page.getByRole("alertdialog", { name: "Call ended" });
      await notice.getByText("Ben Okafor is on another call. Try again later.").waitFor();
      await notice.getByRole("button", { name: "Close" }).click();
      await notice.waitFor({ state: "detached" });
      // Ana's attempt never reached Ben's screen.
      assert.equal(await ben.page.getByText("Ana Torres is video calling you").count(), 0);

      // Carl gives up: Ben's ringing dialog goes away by itself.
      const ended = await carl.socket.emitWithAck("call:end", { callId });
      assert.equal(ended.ok, true);
      await incoming.waitFor({ state: "detached" });
    } finally {
      carl.socket.disconnect();
    }
  });

  test("a 1:1 video call connects through the TURN relay, shows the other camera, and hang-up ends both sides", async () => {
    const clickedAt = Date.now();
    await ana.page.getByRole("button", { name: "Video call" }).click();
    const incoming = ben.page.getByRole("dialog", { name: "Incoming call" });
    await incoming.getByText("Ana Torres is video calling you").waitFor();
    await incoming.getByRole("button", { name: "Accept" }).click();

    // Each side decodes the other's fake camera…
    await Promise.all([waitForRemoteFrames(ben.page, 0), waitForRemoteFrames(ana.page, 0)]);
    const setupMs = Date.now() - clickedAt;
    // …and keeps decoding it.
    const frames = await remoteFrames(ben.page);
    await waitForRemoteFrames(ben.page, frames + 10);

    // The indicator reads the selected candidate pair from getStats: relayed on both ends.
    for (const { page } of [ana, ben]) {
      await page.locator("[data-testid=call-route][data-route=relay]").waitFor({ timeout: 60_000 });
      await page
        .locator("[data-testid=call-status][data-phase=connected]")
        .filter({ hasText: /^\d\d:\d\d$/ })
        .waitFor();
    }
    console.log(`# call setup in the UI (click "Video call" → both sides show remote frames, relay): ${setupMs} ms`);

    // Mute travels to the other side (over the peer's data channel).
    await ana.page.getByRole("button", { name: "Mute" }).click();
    await ana.page.getByRole("button", { name: "Unmute" }).waitFor();
    await ben.page.getByText("Ana Torres is muted").waitFor();
    await screenshot(ben.page, "call");

    // The callee hangs up. The caller's peer connection closes at about the same moment the
    // server's call:ended arrives: the caller must still be told "hung up", not "connection lost".
    await ben.page.getByRole("button", { name: "Hang up" }).click();
    await ben.page.getByRole("dialog", { name: "Call with Ana Torres" }).waitFor({ state: "detached" });
    const ended = ana.page.getByRole("alertdialog", { name: "Call ended" });
    await ended.getByText("Ben Okafor hung up.").waitFor();
    // (It would fade by itself; Esc closes it now.)
    await ana.page.keyboard.press("Escape");
    await ended.waitFor({ state: "detached" });
    await ana.page.getByRole("dialog", { name: "Call with Ben Okafor" }).waitFor({ state: "detached" });
    // Nothing keeps playing or capturing on either side.
    for (const { page } of [ana, ben]) {
      assert.equal(await page.locator("[data-testid=call-remote-video]").count(), 0);
      assert.equal(await page.locator("video").count(), 0);
    }
  });

  test("'Start meeting' embeds the Jitsi room from the configured domain with a valid token; others join from the banner", async () => {
    // Ana creates a group with Ben.
    await ana.page.getByRole("button", { name: "New group" }).click();
    const form = ana.page.getByRole("dialog", { name: "New group" });
    await form.getByLabel("Group name").fill("Design review");
    await form.getByLabel("Add people").fill(benName);
    await form.getByRole("button", { name: /Ben Okafor/ }).click();
    await form.getByRole("button", { name: "Create group" }).click();
    await ana.page.getByTestId("chat-title").filter({ hasText: "Design review" }).waitFor();

    await ana.page.getByRole("button", { name: "Start meeting" }).click();
    const anaFrame = ana.page.locator("[data-testid=meeting-frame] iframe");
    await anaFrame.waitFor();
    const anaSrc = new URL((await anaFrame.getAttribute("src")) ?? "");
    assert.equal(anaSrc.origin, jitsi.origin, "the iframe points at the configured Jitsi domain");
    const roomName = decodeURIComponent(anaSrc.pathname.slice(1));
    assert.match(roomName, /^[0-9a-f]{32}$/, "an unguessable room name");

    const secret = new TextEncoder().encode(JITSI_APP_SECRET);
    const verify = async (src: URL) => {
      const jwt = src.searchParams.get("jwt");
      assert.ok(jwt, "the iframe URL carries the JWT");
      const { payload } = await jwtVerify(jwt, secret, { issuer: JITSI_APP_ID, algorithms: ["HS256"] });
      assert.equal(payload.room, roomName);
      assert.equal(payload.sub, jitsi.host);
      return payload as typeof payload & { context: { user: { name: string; affiliation: string } } };
    };
    const anaToken = await verify(anaSrc);
    assert.equal(anaToken.context.user.name, "Ana Torres");
    assert.equal(anaToken.context.user.affiliation, "owner", "the starter is the moderator");
    // The browser really loaded the conference page from that domain.
    await ana.page.frameLocator("[data-testid=meeting-frame] iframe").getByText(roomName).waitFor();
    assert.ok(jitsi.pages.some((p) => p.startsWith(`/${roomName}?jwt=`)));
    await screenshot(ana.page, "meeting");

    // Ben, elsewhere in the app, is told which group has a meeting (from meeting:started)…
    const notice = ben.page.getByRole("region", { name: "Meeting started" });
    await notice.getByText("Ana Torres started a meeting in Design review").waitFor();
    // …opens the group: the banner takes over from the notice; he joins with a token of his own.
    await conversationItem(ben.page, "Design review").click();
    const banner = ben.page.getByRole("region", { name: "A meeting is in progress" });
    await banner.getByText("Ana Torres started a meeting").waitFor();
    await notice.waitFor({ state: "detached" });
    await banner.getByRole("button", { name: "Join meeting" }).click();
    const benFrame = ben.page.locator("[data-testid=meeting-frame] iframe");
    await benFrame.waitFor();
    const benSrc = new URL((await benFrame.getAttribute("src")) ?? "");
    assert.equal(benSrc.origin, jitsi.origin);
    assert.equal(decodeURIComponent(benSrc.pathname.slice(1)), roomName, "same room");
    const benToken = await verify(benSrc);
    assert.equal(benToken.context.user.name, "Ben Okafor");
    assert.equal(benToken.context.user.affiliation, "member", "only the starter is moderator");
    assert.notEqual(benSrc.searchParams.get("jwt"), anaSrc.searchParams.get("jwt"));

    for (const { page } of [ana, ben]) {
      await page.getByRole("button", { name: "Leave meeting" }).click();
      await page.locator("[data-testid=meeting-frame]").waitFor({ state: "detached" });
    }
  });
});
