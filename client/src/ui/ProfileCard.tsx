// A person's card, opened by clicking their name or picture: who they are, their status, their
// local time, and the ways to reach them (a message, a call).
import type { User } from "@messenger/protocol";
import { createContext, type ReactNode, useContext, useEffect, useState } from "react";
import { useCallsContext } from "../calls/context";
import { useI18n } from "../i18n";
import { Avatar } from "./Avatar";
import { Dialog } from "./Dialog";
import { useClient, useStore } from "./hooks";
import { openConversation } from "./navigation";

/** Opens the card of this person (the caller passes what it knows of them). */
export const ProfileCardContext = createContext<(user: User) => void>(() => {});
export const useProfileCard = () => useContext(ProfileCardContext);

/** Their wall-clock time now, or null when they did not set a time zone. */
export function localTime(timeZone: string | null, locale: string, now = new Date()): string | null {
  if (!timeZone) return null;
  try {
    return new Intl.DateTimeFormat(locale, { timeZone, hour: "2-digit", minute: "2-digit" }).format(now);
  } catch {
    return null;
  }
}

/** The freshest copy of this person the conversations hold (they change live through `user:updated`). */
function useLiveUser(user: User): User {
  const client = useClient();
  return useStore(client.stores.conversations, (s) => {
    for (const c of Object.values(s)) {
      const m = c.members.find((x) => x.user.id === user.id);
      if (m) return m.user;
    }
    return user;
  });
}

export function ProfileCard({ user: opened, onClose }: { user: User; onClose(): void }) {
  const client = useClient();
  const user = useLiveUser(opened);
  const calls = useCallsContext();
  const { t, locale } = useI18n();
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const timer = setInterval(() => setNow(new Date()), 30_000);
    return () => clearInterval(timer);
  }, []);
  const isMe = user.id === client.me();
  const time = localTime(user.timeZone, locale, now);

  async function message() {
    const c = await client.startDirect(user.id);
    onClose();
    openConversation(c.id);
  }
  async function call() {
    const c = await client.startDirect(user.id);
    onClose();
    openConversation(c.id);
    await calls.controller.startCall(c, false);
  }

  return (
    <Dialog label={t("profile.title", { name: user.displayName })} onClose={onClose} className="profile-card">
      <div className="profile-head" data-testid="profile-card">
        <Avatar user={user} size={72} online={user.online} />
        <div>
          <h2>{user.displayName}</h2>
          <p className="muted">@{user.username}</p>
          {user.role === "guest" && <span className="badge">{t("role.guest")}</span>}
          {user.deactivated && <span className="badge danger">{t("profile.deactivated")}</span>}
        </div>
      </div>
      {user.status && (
        <p className="profile-status" data-testid="profile-status">
          {user.status.emoji} {user.status.text}
        </p>
      )}
      {user.dnd && <p className="muted">{t("profile.dnd")}</p>}
      {time && (
        <p className="muted" data-testid="profile-time">
          {t("profile.localTime", { time })}
        </p>
      )}
      {!isMe && !user.deactivated && (
        <div className="dialog-actions">
          <button type="button" className="primary" onClick={() => void message()}>
            {t("profile.message")}
          </button>
          <button type="button" onClick={() => void call()}>
            {t("profile.call")}
          </button>
        </div>
      )}
      <div className="dialog-actions">
        <button type="button" className="link" onClick={onClose}>
          {t("profile.close")}
        </button>
      </div>
    </Dialog>
  );
}

/** Makes a name or picture open the person's card. */
export function ProfileButton({ user, children }: { user: User; children: ReactNode }) {
  const open = useProfileCard();
  const { t } = useI18n();
  return (
    <button
      type="button"
      className="profile-link"
      aria-label={t("profile.open", { name: user.displayName })}
      onClick={() => open(user)}
    >
      {children}
    </button>
  );
}
