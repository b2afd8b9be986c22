/// <reference lib="webworker" />
// The service worker (built by vite.config.ts as /sw.js, outside /assets so its URL never changes).
// It keeps the app shell (index.html and the hashed assets of this build) so the app opens without a
// network, shows pushed notifications while no tab is open, and opens the app where a click points.
// Nothing of the API is cached here: the app keeps its last conversation list itself (pwa/offline-list.ts).
import type { PushPayload } from "@messenger/protocol";

declare const self: ServiceWorkerGlobalScope;
/** Replaced at build time by the files of this build (vite.config.ts, serviceWorkerPlugin). */
declare const __SHELL_FILES__: string[];
declare const __SHELL_VERSION__: string;

const SHELL = `shell-${__SHELL_VERSION__}`;
const SHELL_FILES = [
  "/",
  ...__SHELL_FILES__,
  // From public/ (copied as they are, so not in the bundle's list).
  "/favicon.svg",
  "/manifest.webmanifest",
  "/icons/icon-192.png",
  "/icons/badge-96.png",
];
/** A navigation waits this long for the network before the cached shell answers. */
const NAVIGATION_TIMEOUT_MS = 3000;

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(SHELL);
      await cache.addAll(SHELL_FILES);
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys())
        if (name.startsWith("shell-") && name !== SHELL) await caches.delete(name);
      await self.clients.claim();
    })(),
  );
});

/** The network, unless it fails or takes longer than `ms`. */
async function network(request: Request, ms: number): Promise<Response | null> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), ms);
  try {
    return await fetch(request, { signal: controller.signal });
  } catch {
    return null;
  } finally {
    clearTimeout(timer);
  }
}

self.addEventListener("fetch", (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  // The API, the socket and media are always live (and private): never from this cache.
  if (/^\/(api|socket\.io|healthz)(\/|$)/.test(url.pathname)) return;
  if (request.mode === "navigate") {
    // Fresh index.html when the network answers; the cached shell when it does not.
    event.respondWith(
      (async () =>
        (await network(request, NAVIGATION_TIMEOUT_MS)) ??
        (await caches.match("/", { cacheName: SHELL })) ??
        Response.error())(),
    );
    return;
  }
  // Hashed assets never change: cached first.
  event.respondWith((async () => (await caches.match(request, { cacheName: SHELL })) ?? fetch(request))());
});

async function setBadge(count: number | undefined) {
  if (count === undefined) return;
  const nav = self.navigator as Navigator & {
    setAppBadge?(n?: number): Promise<void>;
    clearAppBadge?(): Promise<void>;
  };
  try {
    if (count > 0) await nav.setAppBadge?.(count);
    else await nav.clearAppBadge?.();
  } catch {
    // Badging is a courtesy where the platform has it.
  }
}

async function onPush(payload: PushPayload) {
  if (payload.type === "close") {
    for (const n of await self.registration.getNotifications({ tag: payload.tag })) n.close();
    await setBadge(payload.badge);
    return;
  }
  const options: NotificationOptions & { renotify?: boolean; requireInteraction?: boolean } = {
    body: payload.body,
    tag: payload.tag,
    icon: "/icons/icon-192.png",
    badge: "/icons/badge-96.png",
    data: { url: payload.url, type: payload.type },
    // A later message of the same conversation replaces the notification and still alerts.
    renotify: payload.type !== "test",
    // A ringing call stays until answered or it stops ringing (a closing push).
    requireInteraction: payload.type === "call",
  };
  await self.registration.showNotification(payload.title, options);
  if (payload.type === "message") await setBadge(payload.badge);
}

self.addEventListener("push", (event) => {
  let payload: PushPayload | null = null;
  try {
    payload = event.data?.json() as PushPayload;
  } catch {
    payload = null;
  }
  if (!payload?.tag) return;
  event.waitUntil(onPush(payload));
});

/** Focuses a tab of the app and sends it to `url` (or opens one there). */
async function openApp(url: string) {
  const target = new URL(url, self.location.origin).href;
  const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  const tab = windows.find((w) => w.focused) ?? windows[0];
  if (tab) {
    // The page follows its hash (#/c/<id>): a message, not a reload, so nothing it holds is lost.
    tab.postMessage({ type: "open", url: target });
    await tab.focus().catch(() => undefined);
    return;
  }
  await self.clients.openWindow(target);
}

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const data = event.notification.data as { url?: string } | null;
  event.waitUntil(openApp(data?.url ?? "/"));
});
