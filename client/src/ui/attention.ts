import { useEffect } from "react";
import type { ChatClient } from "../core/client";
import { useI18n } from "../i18n";
import { attentionCount } from "./notification-level";

/** Draws the app icon with a red count badge, for the tab's favicon. */
function badgeIcon(count: number): string {
  const size = 64;
  const canvas = document.createElement("canvas");
  canvas.width = size;
  canvas.height = size;
  const ctx = canvas.getContext("2d");
  if (!ctx) return "/favicon.svg";
  ctx.fillStyle = "#1f6feb";
  ctx.beginPath();
  ctx.roundRect(0, 0, size, size, 14);
  ctx.fill();
  ctx.fillStyle = "#fff";
  ctx.beginPath();
  ctx.roundRect(12, 18, 40, 26, 4);
  ctx.fill();
  ctx.fillStyle = "#e5484d";
  ctx.beginPath();
  ctx.arc(44, 20, 20, 0, Math.PI * 2);
  ctx.fill();
  ctx.fillStyle = "#fff";
  ctx.font = "bold 26px system-ui, sans-serif";
  ctx.textAlign = "center";
  ctx.textBaseline = "middle";
  ctx.fillText(count > 99 ? "99+" : String(count), 44, 21);
  return canvas.toDataURL("image/png");
}

/** Total unread (of a muted conversation only its mentions) in the tab title and favicon: "(3) Messenger". */
export function useAttention(client: ChatClient) {
  const { t } = useI18n();
  useEffect(() => {
    const link = document.getElementById("favicon") as HTMLLinkElement | null;
    let shown = -1;
    const render = () => {
      const total = attentionCount(client.stores.conversations.get());
      if (total === shown) return;
      shown = total;
      document.title = total > 0 ? `(${total}) ${t("appName")}` : t("appName");
      if (link) {
        link.type = total > 0 ? "image/png" : "image/svg+xml";
        link.href = total > 0 ? badgeIcon(total) : "/favicon.svg";
      }
    };
    render();
    const off = client.stores.conversations.subscribe(render);
    return () => {
      off();
      document.title = t("appName");
    };
  }, [client, t]);
}
