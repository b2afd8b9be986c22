// This browser's push subscription: turned on and off per device, kept in step with the server.
import type { PushKeyResponse, PushSubscriptionBody, PushTestResponse } from "@messenger/protocol";
import type { Auth } from "../core/auth";

export type PushState = "unsupported" | "denied" | "off" | "on";

export const pushSupported = () =>
  typeof window !== "undefined" && "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;

const urlBase64ToBytes = (s: string) => {
  const b64 = (s + "=".repeat((4 - (s.length % 4)) % 4)).replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
};
const bytesToUrlBase64 = (b: ArrayBuffer | null) =>
  b
    ? btoa(String.fromCharCode(...new Uint8Array(b)))
        .replace(/\+/g, "-")
        .replace(/\//g, "_")
        .replace(/=+$/, "")
    : "";

async function registration(): Promise<ServiceWorkerRegistration | null> {
  if (!pushSupported()) return null;
  return (await navigator.serviceWorker.getRegistration("/")) ?? null;
}

export async function pushState(): Promise<PushState> {
  if (!pushSupported()) return "unsupported";
  if (Notification.permission === "denied") return "denied";
  const reg = await registration();
  const sub = await reg?.pushManager.getSubscription();
  return sub && Notification.permission === "granted" ? "on" : "off";
}

function bodyOf(sub: PushSubscription, lang: string): PushSubscriptionBody {
  const json = sub.toJSON();
  return {
    endpoint: sub.endpoint,
    keys: { p256dh: json.keys?.p256dh ?? "", auth: json.keys?.auth ?? "" },
    lang: lang === "es" ? "es" : "en",
  };
}

/** Asks for permission (when not granted yet), subscribes with the server's key and tells the server. */
export async function turnPushOn(auth: Auth, lang: string): Promise<PushState> {
  if (!pushSupported()) return "unsupported";
  if (Notification.permission !== "granted" && (await Notification.requestPermission()) !== "granted")
    return Notification.permission === "denied" ? "denied" : "off";
  const reg = await navigator.serviceWorker.ready;
  const { publicKey } = await auth.api<PushKeyResponse>("/api/push/key");
  const sub = await subscribeWith(reg, publicKey);
  await auth.api("/api/push/subscriptions", { method: "POST", json: bodyOf(sub, lang) });
  return "on";
}

/** A subscription made with this server key (one made with an older key is replaced). */
async function subscribeWith(reg: ServiceWorkerRegistration, publicKey: string): Promise<PushSubscription> {
  const existing = await reg.pushManager.getSubscription();
  if (existing && bytesToUrlBase64(existing.options.applicationServerKey) === publicKey) return existing;
  await existing?.unsubscribe();
  return reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: urlBase64ToBytes(publicKey) });
}

export async function turnPushOff(auth: Auth): Promise<PushState> {
  const reg = await registration();
  const sub = await reg?.pushManager.getSubscription();
  if (sub) {
    await auth
      .api("/api/push/subscriptions", { method: "DELETE", json: { endpoint: sub.endpoint } })
      .catch(() => undefined);
    await sub.unsubscribe();
  }
  return pushState();
}

export const sendTestPush = (auth: Auth) => auth.api<PushTestResponse>("/api/push/test", { method: "POST" });

/**
 * On start, a device with push on tells the server again (the server may have lost it, another
 * account may have used this browser, the server's key may have changed).
 */
export async function refreshPushSubscription(auth: Auth, lang: string): Promise<void> {
  if ((await pushState()) !== "on") return;
  await turnPushOn(auth, lang);
}
