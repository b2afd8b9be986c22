// The installable app in Chromium against the real services: the manifest, the service worker and its
// app shell (the app opens with the network off, showing the last conversation list), and a push
// delivered through the DevTools protocol (as a push service would) becoming a notification whose
// click opens the conversation.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { PushPayload } from "@messenger/protocol";
import type { Browser, CDPSession, Page, Worker } from "playwright-core";
import {
  conversationItem,
  launchBrowser,
  type OpenedApp,
  openApp,
  type Stack,
  sendText,
  signUp,
  startDirect,
  startStack,
  uniqueName,
} from "./harness";

/** Width and height from a PNG's IHDR chunk. */
function pngSize(b: Buffer): { width: number; height: number } {
  assert.equal(b.subarray(1, 4).toString("latin1"), "PNG");
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

const notifications = (page: Page) =>
  page.evaluate(async () => {
    const reg = await navigator.serviceWorker.ready;
    return (await reg.getNotifications()).map((n) => ({ title: n.title, body: n.body, tag: n.tag }));
  });

describe("installable app: manifest, service worker, offline shell, pushed notifications", () => {
  let stack: Stack;
  let browser: Browser;
  let ana: OpenedApp;
  let ben: OpenedApp;
  let conversationId = "";
  const anaName = uniqueName("ana");
  const benName = uniqueName("ben");

  before(async () => {
    [stack, browser] = await Promise.all([startStack(), launchBrowser()]);
    [ana, ben] = await Promise.all([
      openApp(browser, stack.baseUrl),
      openApp(browser, stack.baseUrl, { context: { permissions: ["notifications"] } }),
    ]);
    await signUp(ana.page, { username: anaName, displayName: "Ana Torres" });
    await signUp(ben.page, { username: benName, displayName: "Ben Okafor" });
    await startDirect(ana.page, benName, "Ben Okafor");
    await sendText(ana.page, "Welcome aboard, Ben");
    await conversationItem(ben.page, "Ana Torres").waitFor();
    conversationId = (await conversationItem(ben.page, "Ana Torres").getAttribute("data-conversation-id")) ?? "";
  });

  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  test("the manifest is valid: installable name, standalone display, PNG icons that load at their sizes", async () => {
    const href = await ben.page.locator('link[rel="manifest"]').getAttribute("href");
    const res = await ben.page.request.get(href!);
    assert.equal(res.status(), 200);
    assert.match(res.headers()["content-type"] ?? "", /^application\/manifest\+json/);
    const manifest = (await res.json()) as {
      name: string;
      short_name: string;
      start_url: string;
      display: string;
      icons: { src: string; sizes: string; type: string; purpose?: string }[];
    };
    assert.ok(manifest.name && manifest.short_name);
    assert.equal(manifest.start_url, "/");
    assert.equal(manifest.display, "standalone");
    const sizes = new Set<string>();
    for (const icon of manifest.icons) {
      const png = await ben.page.request.get(icon.src);
      assert.equal(png.status(), 200, icon.src);
      assert.equal(png.headers()["content-type"], "image/png");
      const { width, height } = pngSize(await png.body());
      assert.equal(`${width}x${height}`, icon.sizes, icon.src);
      sizes.add(`${icon.sizes}:${icon.purpose ?? "any"}`);
    }
    // What browsers ask of an installable app: 192 and 512 px icons, and a maskable one.
    assert.ok(sizes.has("192x192:any") && sizes.has("512x512:any") && sizes.has("512x512:maskable"), [...sizes].join());
  });

  test("the service worker registers and controls the app; /sw.js is never served from a stale cache", async () => {
    const scriptURL = await ben.page.evaluate(async () => (await navigator.serviceWorker.ready).active?.scriptURL);
    assert.equal(scriptURL, `${stack.baseUrl}/sw.js`);
    await ben.page.waitForFunction(() => navigator.serviceWorker.controller !== null);
    const sw = await ben.page.request.get("/sw.js");
    assert.equal(sw.headers()["cache-control"], "no-cache");
  });

  describe("pushes delivered to the service worker", () => {
    let cdp: CDPSession;
    let registrationId = "";
    let worker: Worker;

    before(async () => {
      cdp = await ben.context.newCDPSession(ben.page);
      const registered = new Promise<string>((resolve) => {
        cdp.on("ServiceWorker.workerRegistrationUpdated", ({ registrations }) => {
          const mine = registrations.find((r) => r.scopeURL === `${stack.baseUrl}/` && !r.isDeleted);
          if (mine) resolve(mine.registrationId);
        });
      });
      await cdp.send("ServiceWorker.enable");
      registrationId = await registered;
      worker = ben.context.serviceWorkers().find((w) => w.url().endsWith("/sw.js"))!;
      assert.ok(worker, "the service worker is running");
    });

    const deliver = (payload: PushPayload) =>
      cdp.send("ServiceWorker.deliverPushMessage", {
        origin: stack.baseUrl,
        registrationId,
        data: JSON.stringify(payload),
      });

    test("a pushed message shows a notification with its title, body and conversation tag; a newer one replaces it", async () => {
      const base = {
        type: "message",
        conversationId,
        url: `/#/c/${conversationId}`,
        tag: `conv:${conversationId}`,
      } as const;
      await deliver({ ...base, title: "Ana Torres", body: "Are you in today?", count: 1, badge: 1 });
      await ben.page.waitForFunction(
        async () => (await (await navigator.serviceWorker.ready).getNotifications()).length === 1,
      );
      assert.deepEqual(await notifications(ben.page), [
        { title: "Ana Torres", body: "Are you in today?", tag: `conv:${conversationId}` },
      ]);
      await deliver({ ...base, title: "Ana Torres (2)", body: "Call me", count: 2, badge: 2 });
      await ben.page.waitForFunction(
        async () => (await (await navigator.serviceWorker.ready).getNotifications())[0]?.title === "Ana Torres (2)",
      );
      assert.equal((await notifications(ben.page)).length, 1);
    });

    test("clicking the notification opens its conversation", async () => {
      await ben.page.evaluate(() => {
        location.hash = "";
      });
      await ben.page.getByTestId("chat-title").waitFor({ state: "detached" });
      // The click as the browser dispatches it to the service worker.
      await worker.evaluate(async () => {
        const sw = self as unknown as ServiceWorkerGlobalScope;
        const [notification] = await sw.registration.getNotifications();
        sw.dispatchEvent(new NotificationEvent("notificationclick", { notification: notification! }));
      });
      await ben.page.getByTestId("chat-title").filter({ hasText: "Ana Torres" }).waitFor();
      assert.equal(new URL(ben.page.url()).hash, `#/c/${conversationId}`);
      assert.deepEqual(await notifications(ben.page), []);
    });

    test("a closing push (read on another device) removes the notification of that conversation only", async () => {
      await deliver({
        type: "message",
        conversationId,
        url: `/#/c/${conversationId}`,
        tag: `conv:${conversationId}`,
        title: "Ana Torres",
        body: "one more",
        count: 1,
      });
      await deliver({ type: "test", tag: "test", title: "Notifications work", body: "test", url: "/" });
      await ben.page.waitForFunction(
        async () => (await (await navigator.serviceWorker.ready).getNotifications()).length === 2,
      );
      await deliver({ type: "close", tag: `conv:${conversationId}`, badge: 0 });
      await ben.page.waitForFunction(
        async () => (await (await navigator.serviceWorker.ready).getNotifications()).length === 1,
      );
      assert.deepEqual(
        (await notifications(ben.page)).map((n) => n.tag),
        ["test"],
      );
    });
  });

  test("the notification settings show this device's state", async () => {
    await ben.page.getByRole("button", { name: "Notification settings" }).click();
    const settings = ben.page.getByTestId("push-settings");
    await settings.waitFor();
    assert.equal(await settings.getAttribute("data-state"), "off");
    await settings.getByRole("button", { name: "Turn on" }).waitFor();
    await ben.page.getByRole("button", { name: "Close" }).click();
  });

  test("with the network off the app still opens, showing the last conversation list", async () => {
    const userId = await ben.page.evaluate(
      () => (JSON.parse(localStorage.getItem("messenger.session") ?? "{}") as { user?: { id: string } }).user?.id,
    );
    await ben.page.waitForFunction((id) => localStorage.getItem(`messenger.list.${id}`) !== null, userId);
    await ben.context.setOffline(true);
    // Offline for the service worker too: its own requests fail.
    const worker = ben.context.serviceWorkers().find((w) => w.url().endsWith("/sw.js"))!;
    const swOnline = await worker.evaluate(() =>
      fetch("/healthz", { cache: "no-store" }).then(
        () => true,
        () => false,
      ),
    );
    assert.equal(swOnline, false);

    await ben.page.goto("/");
    await ben.page.getByTestId("me-name").filter({ hasText: "Ben Okafor" }).waitFor();
    await conversationItem(ben.page, "Ana Torres")
      .getByTestId("conversation-preview")
      .filter({ hasText: "Welcome aboard" })
      .waitFor();
    assert.notEqual(await ben.page.getByTestId("connection-state").getAttribute("data-state"), "connected");

    // Back online: the app connects and syncs (a message sent meanwhile arrives).
    await sendText(ana.page, "Back online?");
    await ben.context.setOffline(false);
    await ben.page.evaluate(() => window.dispatchEvent(new Event("online")));
    await ben.page.getByTestId("connection-state").and(ben.page.locator('[data-state="connected"]')).waitFor();
    await conversationItem(ben.page, "Ana Torres")
      .getByTestId("conversation-preview")
      .filter({ hasText: "Back online?" })
      .waitFor();
  });
});
