import { pushTagOfConversation } from "@messenger/protocol";
import { useEffect, useState } from "react";
import type { ChatClient } from "../core/client";
import { useI18n } from "../i18n";
import { turnPushOn } from "../pwa/push";
import { conversationTitle, previewText } from "./format";
import { useAuth } from "./hooks";
import { shouldNotify } from "./notification-level";

const ASKED_KEY = "messenger.notificationsAsked";

/** A short two-tone chime made with WebAudio: no file to fetch, nothing to block. */
export function chime() {
  try {
    const Ctx =
      window.AudioContext ?? (window as unknown as { webkitAudioContext?: typeof AudioContext }).webkitAudioContext;
    if (!Ctx) return;
    const ctx = new Ctx();
    const gain = ctx.createGain();
    gain.connect(ctx.destination);
    gain.gain.setValueAtTime(0.0001, ctx.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.15, ctx.currentTime + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, ctx.currentTime + 0.35);
    for (const [freq, at] of [
      [880, 0],
      [1320, 0.12],
    ] as const) {
      const osc = ctx.createOscillator();
      osc.frequency.value = freq;
      osc.connect(gain);
      osc.start(ctx.currentTime + at);
      osc.stop(ctx.currentTime + at + 0.2);
    }
    setTimeout(() => void ctx.close(), 600);
  } catch {
    // Audio is a courtesy; never let it break message handling.
  }
}

/** New messages while the tab is hidden: a browser notification (if allowed) and a short sound. */
export function useNotifications(client: ChatClient) {
  const { t } = useI18n();
  useEffect(
    () =>
      client.onIncoming(({ message, conversation, sender }) => {
        if (document.visibilityState === "visible") return;
        if (!shouldNotify(conversation, message, client.me())) return;
        chime();
        if (typeof Notification === "undefined" || Notification.permission !== "granted") return;
        const me = client.me();
        const title =
          conversation.kind === "group"
            ? `${sender?.displayName ?? ""} · ${conversationTitle(conversation, me)}`
            : t("notify.newMessage", { name: sender?.displayName ?? "" });
        const body = previewText(message, t) || t("notify.attachment");
        // The push's tag: a page notification and a pushed one of the same conversation replace each other.
        const n = new Notification(title, { body, tag: pushTagOfConversation(conversation.id) });
        n.onclick = () => {
          window.focus();
          location.hash = `#/c/${conversation.id}`;
          n.close();
        };
      }),
    [client, t],
  );
}

/** Asks once, in the page's own words, before the browser's permission prompt. */
export function NotificationPrompt() {
  const { t, lang } = useI18n();
  const auth = useAuth();
  const [show, setShow] = useState(
    () =>
      typeof Notification !== "undefined" &&
      Notification.permission === "default" &&
      localStorage.getItem(ASKED_KEY) === null,
  );
  if (!show) return null;
  const done = () => {
    localStorage.setItem(ASKED_KEY, "1");
    setShow(false);
  };
  return (
    <section className="notify-prompt" aria-label={t("notify.ask")} data-testid="notification-prompt">
      <span>🔔 {t("notify.ask")}</span>
      <button
        type="button"
        className="primary"
        onClick={() => {
          // Allowed: this device also gets pushes with the app closed (pwa/push.ts).
          void Notification.requestPermission()
            .then((p) => (p === "granted" ? turnPushOn(auth, lang).then(() => undefined) : undefined))
            .catch(() => undefined)
            .finally(done);
        }}
      >
        {t("notify.enable")}
      </button>
      <button type="button" onClick={done}>
        {t("notify.later")}
      </button>
    </section>
  );
}
