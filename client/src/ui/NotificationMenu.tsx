// The bell in a chat's header: this conversation's notification level (all / mentions / nothing)
// and mute, mine only (synced to my other devices by the server). Esc or a click elsewhere closes it.
import type { Conversation, NotificationLevel } from "@messenger/protocol";
import { useEffect, useRef, useState } from "react";
import { useI18n } from "../i18n";
import { errorText } from "./format";
import { useClient } from "./hooks";
import { Icon } from "./Icon";

const LEVELS: NotificationLevel[] = ["all", "mentions", "none"];

export function NotificationMenu({ conversation }: { conversation: Conversation }) {
  const client = useClient();
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const anchor = useRef<HTMLDivElement>(null);
  const { level, muted } = conversation.notifications;

  useEffect(() => {
    if (!open) return;
    const away = (e: MouseEvent) => {
      if (!anchor.current?.contains(e.target as Node)) setOpen(false);
    };
    const esc = (e: KeyboardEvent) => {
      if (e.key === "Escape") setOpen(false);
    };
    document.addEventListener("mousedown", away);
    document.addEventListener("keydown", esc);
    return () => {
      document.removeEventListener("mousedown", away);
      document.removeEventListener("keydown", esc);
    };
  }, [open]);

  const set = (next: { level: NotificationLevel; muted: boolean }) => {
    setOpen(false);
    setError(null);
    client
      .setNotifications(conversation.id, next)
      .catch((e: unknown) => setError(t("notify.failed", { message: errorText(e, t) })));
  };

  return (
    <div className="menu-anchor" ref={anchor}>
      <button
        type="button"
        className="icon-button"
        aria-label={t("notify.menu")}
        title={t("notify.menu")}
        aria-haspopup="menu"
        aria-expanded={open}
        data-testid="notification-menu"
        data-level={level}
        data-muted={muted}
        onClick={() => setOpen((v) => !v)}
      >
        <Icon name="bell" />
      </button>
      {open && (
        <div className="menu" role="menu" aria-label={t("notify.menu")}>
          {LEVELS.map((l) => (
            <button
              key={l}
              type="button"
              role="menuitemradio"
              aria-checked={level === l}
              onClick={() => set({ level: l, muted })}
            >
              <span aria-hidden="true">{level === l ? "●" : "○"}</span> {t(`notify.level.${l}`)}
            </button>
          ))}
          <hr />
          <button
            type="button"
            role="menuitemcheckbox"
            aria-checked={muted}
            onClick={() => set({ level, muted: !muted })}
          >
            {t(muted ? "notify.unmute" : "notify.mute")}
          </button>
        </div>
      )}
      {error && (
        <p role="alert" className="menu show-problem">
          {error}
        </p>
      )}
    </div>
  );
}
