// My settings: profile (name, picture, time zone), status, do not disturb, appearance and language,
// push notifications on this device, signed-in devices and the password.
import type { MeResponse, SessionInfo } from "@messenger/protocol";
import { type FormEvent, type ReactNode, useCallback, useEffect, useState } from "react";
import { RequestError } from "../core/errors";
import { type Translate, useI18n } from "../i18n";
import { PushSettings } from "../pwa/PushSettings";
import { Avatar } from "./Avatar";
import { useAuth, useClient, useStore } from "./hooks";
import { LanguageField } from "./LanguageField";
import { openConversation } from "./navigation";
import { applyTheme, savedTheme, type Theme } from "./theme";

const HOUR = 3600_000;
/** "Clear after" / "Pause for" choices: an offset from now, or the next 08:00. */
const UNTIL = { never: null, hour: HOUR, fourHours: 4 * HOUR, tomorrow: "tomorrow", week: 7 * 24 * HOUR } as const;
type Until = keyof typeof UNTIL;
function untilDate(choice: Until, now = new Date()): string | null {
  const v = UNTIL[choice];
  if (v === null) return null;
  if (v === "tomorrow") {
    const d = new Date(now);
    d.setDate(d.getDate() + 1);
    d.setHours(8, 0, 0, 0);
    return d.toISOString();
  }
  return new Date(now.getTime() + v).toISOString();
}

const errorText = (t: Translate, err: unknown) =>
  err instanceof RequestError
    ? err.code === "weak_password" || err.code === "invalid_credentials"
      ? t(err.code === "weak_password" ? "error.weak_password" : "settings.wrongPassword")
      : t("error.generic", { message: err.message })
    : t("error.generic", { message: String(err) });

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section className="settings-section" aria-label={title}>
      <h2>{title}</h2>
      {children}
    </section>
  );
}

export function SettingsPage() {
  const client = useClient();
  const auth = useAuth();
  const { t, locale } = useI18n();
  const me = useStore(auth.session, (s) => s?.user);
  const [profile, setProfile] = useState<MeResponse["profile"] | null>(null);
  const [name, setName] = useState(me?.displayName ?? "");
  const [timeZone, setTimeZone] = useState(me?.timeZone ?? "");
  const [emoji, setEmoji] = useState(me?.status?.emoji ?? "");
  const [statusText, setStatusText] = useState(me?.status?.text ?? "");
  const [clearAfter, setClearAfter] = useState<Until>("never");
  const [theme, setTheme] = useState<Theme>(savedTheme);
  const [sessions, setSessions] = useState<SessionInfo[]>([]);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const zones = (Intl as { supportedValuesOf?: (k: string) => string[] }).supportedValuesOf?.("timeZone") ?? [];
  const deviceZone = Intl.DateTimeFormat().resolvedOptions().timeZone;

  const loadSessions = useCallback(
    () =>
      client.account.sessions().then(
        (r) => setSessions(r.sessions),
        () => undefined,
      ),
    [client],
  );
  useEffect(() => {
    void client.account.me().then(
      (r) => setProfile(r.profile),
      () => undefined,
    );
    void loadSessions();
  }, [client, loadSessions]);

  const run = async (what: () => Promise<unknown>, done: string) => {
    setError(null);
    setNotice(null);
    try {
      await what();
      setNotice(done);
    } catch (err) {
      setError(errorText(t, err));
    }
  };
  if (!me) return null;
  const dndUntil = profile?.dndUntil && Date.parse(profile.dndUntil) > Date.now() ? profile.dndUntil : null;

  return (
    <div className="settings-page" data-testid="settings-page">
      <header className="page-header">
        <button type="button" className="link" onClick={() => openConversation(null)}>
          {t("settings.back")}
        </button>
        <h1>{t("settings.title")}</h1>
      </header>
      {(notice || error) && (
        <p className={error ? "form-error" : "form-notice"} role={error ? "alert" : "status"}>
          {error ?? notice}
        </p>
      )}

      <Section title={t("settings.profile")}>
        <form
          onSubmit={(e: FormEvent) => {
            e.preventDefault();
            void run(
              () => client.account.updateMe({ displayName: name, timeZone: timeZone || null }),
              t("settings.saved"),
            );
          }}
        >
          <label>
            {t("auth.displayName")}
            <input name="displayName" value={name} onChange={(e) => setName(e.target.value)} required />
          </label>
          <label>
            {t("settings.timeZone")}
            <select name="timeZone" value={timeZone} onChange={(e) => setTimeZone(e.target.value)}>
              <option value="">{t("settings.timeZoneUnset")}</option>
              {[deviceZone, ...zones.filter((z) => z !== deviceZone)].map((z) => (
                <option key={z} value={z}>
                  {z}
                </option>
              ))}
            </select>
          </label>
          <button type="submit" className="primary">
            {t("settings.save")}
          </button>
        </form>
        <div className="avatar-row">
          <Avatar user={me} size={56} />
          <label className="button">
            {t("settings.avatarUpload")}
            <input
              type="file"
              accept="image/*"
              hidden
              onChange={(e) => {
                const file = e.target.files?.[0];
                if (file) void run(() => client.account.uploadAvatar(file, file.name), t("settings.saved"));
              }}
            />
          </label>
          {me.avatarUrl && (
            <button type="button" onClick={() => void run(() => client.account.removeAvatar(), t("settings.saved"))}>
              {t("settings.avatarRemove")}
            </button>
          )}
        </div>
      </Section>

      <Section title={t("settings.status")}>
        <form
          onSubmit={(e: FormEvent) => {
            e.preventDefault();
            void run(
              () =>
                client.account.updateMe({
                  status: emoji || statusText ? { emoji, text: statusText, expiresAt: untilDate(clearAfter) } : null,
                }),
              t("settings.saved"),
            );
          }}
        >
          <div className="row">
            <input
              name="statusEmoji"
              aria-label={t("settings.statusEmoji")}
              className="emoji-input"
              value={emoji}
              onChange={(e) => setEmoji(e.target.value)}
              placeholder="🙂"
            />
            <input
              name="statusText"
              aria-label={t("settings.statusText")}
              value={statusText}
              maxLength={100}
              onChange={(e) => setStatusText(e.target.value)}
              placeholder={t("settings.statusPlaceholder")}
            />
          </div>
          <label>
            {t("settings.clearAfter")}
            <select value={clearAfter} onChange={(e) => setClearAfter(e.target.value as Until)}>
              {(Object.keys(UNTIL) as Until[]).map((k) => (
                <option key={k} value={k}>
                  {t(`settings.until.${k}`)}
                </option>
              ))}
            </select>
          </label>
          <div className="row">
            <button type="submit" className="primary">
              {t("settings.save")}
            </button>
            <button
              type="button"
              onClick={() => {
                setEmoji("");
                setStatusText("");
                void run(() => client.account.updateMe({ status: null }), t("settings.saved"));
              }}
            >
              {t("settings.statusClear")}
            </button>
          </div>
        </form>
      </Section>

      <Section title={t("settings.dnd")}>
        <p className="muted" data-testid="dnd-state">
          {dndUntil ? t("settings.dndOn", { until: new Date(dndUntil).toLocaleString(locale) }) : t("settings.dndOff")}
        </p>
        <div className="row">
          {(["hour", "tomorrow", "week"] as const).map((k) => (
            <button
              key={k}
              type="button"
              onClick={() =>
                void run(async () => {
                  const r = await client.account.updateMe({ dndUntil: untilDate(k) });
                  setProfile(r.profile);
                }, t("settings.saved"))
              }
            >
              {t(`settings.until.${k}`)}
            </button>
          ))}
          {dndUntil && (
            <button
              type="button"
              onClick={() =>
                void run(async () => {
                  const r = await client.account.updateMe({ dndUntil: null });
                  setProfile(r.profile);
                }, t("settings.saved"))
              }
            >
              {t("settings.dndEnd")}
            </button>
          )}
        </div>
      </Section>

      <Section title={t("push.title")}>
        <PushSettings />
      </Section>
      <Section title={t("settings.appearance")}>
        <fieldset className="row">
          <legend>{t("settings.theme")}</legend>
          {(["light", "dark", "system"] as const).map((k) => (
            <label key={k}>
              <input
                type="radio"
                name="theme"
                value={k}
                checked={theme === k}
                onChange={() => {
                  setTheme(k);
                  applyTheme(k);
                }}
              />
              {t(`settings.theme.${k}`)}
            </label>
          ))}
        </fieldset>
        <LanguageField />
      </Section>

      <Section title={t("settings.sessions")}>
        <ul className="session-list" data-testid="session-list">
          {sessions.map((s) => (
            <li key={s.id}>
              <span>
                <strong>{s.userAgent ?? t("settings.unknownDevice")}</strong>
                <span className="muted">
                  {" "}
                  {s.ip} · {new Date(s.lastUsedAt).toLocaleString(locale)}
                </span>
              </span>
              {s.current ? (
                <span className="badge">{t("settings.thisDevice")}</span>
              ) : (
                <button
                  type="button"
                  onClick={() =>
                    void run(() => client.account.endSession(s.id).then(loadSessions), t("settings.saved"))
                  }
                >
                  {t("settings.signOutDevice")}
                </button>
              )}
            </li>
          ))}
        </ul>
        <button type="button" className="danger" onClick={() => void client.account.logoutAll()}>
          {t("settings.signOutEverywhere")}
        </button>
      </Section>

      <PasswordForm onDone={(ok) => (ok ? void loadSessions() : undefined)} run={run} />
    </div>
  );
}

function PasswordForm({
  run,
  onDone,
}: {
  run: (what: () => Promise<unknown>, done: string) => Promise<void>;
  onDone(ok: boolean): void;
}) {
  const client = useClient();
  const { t } = useI18n();
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  return (
    <Section title={t("settings.password")}>
      <form
        onSubmit={(e: FormEvent) => {
          e.preventDefault();
          void run(async () => {
            await client.account.changePassword({ current, next });
            setCurrent("");
            setNext("");
            onDone(true);
          }, t("settings.passwordChanged"));
        }}
      >
        <label>
          {t("settings.currentPassword")}
          <input
            type="password"
            name="currentPassword"
            autoComplete="current-password"
            required
            value={current}
            onChange={(e) => setCurrent(e.target.value)}
          />
        </label>
        <label>
          {t("settings.newPassword")}
          <input
            type="password"
            name="newPassword"
            autoComplete="new-password"
            required
            minLength={10}
            value={next}
            onChange={(e) => setNext(e.target.value)}
          />
        </label>
        <button type="submit" className="primary">
          {t("settings.changePassword")}
        </button>
      </form>
    </Section>
  );
}
