// What the installed app does around the chat while signed in: the saved list for offline starts,
// telling the server which tab is in front (no push while one is), the app icon's unread badge, and
// following a notification click that the service worker sends here.
import { useEffect } from "react";
import type { Auth } from "../core/auth";
import type { ChatClient } from "../core/client";
import { totalUnread } from "../stores/conversations";
import { openConversation } from "../ui/navigation";
import { forgetSavedList, keepListOffline } from "./offline-list";
import { refreshPushSubscription, turnPushOff } from "./push";

type BadgingNavigator = Navigator & { setAppBadge?(n?: number): Promise<void>; clearAppBadge?(): Promise<void> };

/** In front = visible and focused: a tab behind others, or a minimised window, is not looking. */
const inFront = () => document.visibilityState === "visible" && document.hasFocus();

export function usePwa(client: ChatClient, auth: Auth, lang: string) {
  useEffect(() => {
    const userId = client.me();
    const stopList = keepListOffline(client, localStorage);

    // client:focus on every change, and again on each (re)connect: a new socket starts unfocused.
    const { socket } = client;
    let told: boolean | null = null;
    const report = () => {
      const focused = inFront();
      if (!socket.connected || focused === told) return;
      told = focused;
      socket.emit("client:focus", { focused });
    };
    const onConnect = () => {
      told = null;
      report();
    };
    socket.on("connect", onConnect);
    window.addEventListener("focus", report);
    window.addEventListener("blur", report);
    document.addEventListener("visibilitychange", report);
    report();

    const nav = navigator as BadgingNavigator;
    let badge = -1;
    const showBadge = () => {
      const n = totalUnread(client.stores.conversations.get());
      if (n === badge) return;
      badge = n;
      (n > 0 ? nav.setAppBadge?.(n) : nav.clearAppBadge?.())?.catch(() => undefined);
    };
    const offBadge = client.stores.conversations.subscribe(showBadge);
    showBadge();

    // A notification was clicked while this tab is open: go where it points.
    const sw = "serviceWorker" in navigator ? navigator.serviceWorker : null;
    const onMessage = (e: MessageEvent) => {
      const data = e.data as { type?: string; url?: string } | null;
      if (data?.type !== "open" || !data.url) return;
      const cid = /^#\/c\/([\w-]+)/.exec(new URL(data.url, location.href).hash)?.[1];
      if (cid) openConversation(cid);
      window.focus();
    };
    sw?.addEventListener("message", onMessage);

    void refreshPushSubscription(auth, lang).catch(() => undefined);

    return () => {
      socket.off("connect", onConnect);
      window.removeEventListener("focus", report);
      window.removeEventListener("blur", report);
      document.removeEventListener("visibilitychange", report);
      sw?.removeEventListener("message", onMessage);
      offBadge();
      stopList();
      if (!auth.session.get()) {
        // Signed out: this browser keeps nothing of the user and stops receiving their pushes.
        forgetSavedList(localStorage, userId);
        void turnPushOff(auth).catch(() => undefined);
        nav.clearAppBadge?.()?.catch(() => undefined);
      }
    };
  }, [client, auth, lang]);
}
