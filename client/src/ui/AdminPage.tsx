// The admin console (owner and admins): people (roles, deactivation), the sign-up policy,
// invite links and the audit log. The server refuses everyone else; this page is only linked for admins.
import type {
  AdminUser,
  AuditEntry,
  RegistrationPolicy,
  WorkspaceInvite,
  WorkspaceSettings,
} from "@messenger/protocol";
import { type FormEvent, useCallback, useEffect, useState } from "react";
import { RequestError } from "../core/errors";
import { useI18n } from "../i18n";
import { Avatar } from "./Avatar";
import { useClient } from "./hooks";
import { openConversation } from "./navigation";

type Tab = "users" | "settings" | "invites" | "audit";

export function AdminPage() {
  const { t } = useI18n();
  const [tab, setTab] = useState<Tab>("users");
  const [error, setError] = useState<string | null>(null);
  const fail = useCallback((err: unknown) => setError(err instanceof RequestError ? err.message : String(err)), []);
  return (
    <div className="admin-page settings-page" data-testid="admin-page">
      <header className="page-header">
        <button type="button" className="link" onClick={() => openConversation(null)}>
          {t("settings.back")}
        </button>
        <h1>{t("admin.title")}</h1>
      </header>
      <div className="tabs" role="tablist">
        {(["users", "settings", "invites", "audit"] as const).map((k) => (
          <button
            key={k}
            type="button"
            role="tab"
            aria-selected={tab === k}
            onClick={() => {
              setTab(k);
              setError(null);
            }}
          >
            {t(`admin.tab.${k}`)}
          </button>
        ))}
      </div>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {tab === "users" && <UsersTab fail={fail} />}
      {tab === "settings" && <SettingsTab fail={fail} />}
      {tab === "invites" && <InvitesTab fail={fail} />}
      {tab === "audit" && <AuditTab fail={fail} />}
    </div>
  );
}

type Fail = (err: unknown) => void;

function UsersTab({ fail }: { fail: Fail }) {
  const client = useClient();
  const { t } = useI18n();
  const [q, setQ] = useState("");
  const [users, setUsers] = useState<AdminUser[]>([]);
  const [next, setNext] = useState<string | null>(null);
  useEffect(() => {
    client.account.admin.users(q).then((r) => {
      setUsers(r.users);
      setNext(r.nextCursor);
    }, fail);
  }, [client, q, fail]);
  const replace = (u: AdminUser) => setUsers((list) => list.map((x) => (x.id === u.id ? u : x)));
  const change = (u: AdminUser, body: { role?: "admin" | "member" | "guest"; deactivated?: boolean }) =>
    client.account.admin.updateUser(u.id, body).then((r) => replace(r.user), fail);
  return (
    <section aria-label={t("admin.tab.users")}>
      <input
        type="search"
        aria-label={t("admin.searchUsers")}
        placeholder={t("admin.searchUsers")}
        value={q}
        onChange={(e) => setQ(e.target.value)}
      />
      <ul className="admin-users">
        {users.map((u) => (
          <li key={u.id} data-testid="admin-user" data-username={u.username}>
            <Avatar user={u} size={32} />
            <span className="who">
              <strong>{u.displayName}</strong> <span className="muted">@{u.username}</span>
              {u.email && <span className="muted"> · {u.email}</span>}
              {u.deactivated && <span className="badge danger">{t("profile.deactivated")}</span>}
            </span>
            {u.role === "owner" ? (
              <span className="badge">{t("role.owner")}</span>
            ) : (
              <>
                <select
                  aria-label={t("admin.role", { name: u.displayName })}
                  value={u.role}
                  onChange={(e) => void change(u, { role: e.target.value as "admin" | "member" | "guest" })}
                >
                  {(["admin", "member", "guest"] as const).map((r) => (
                    <option key={r} value={r}>
                      {t(`role.${r}`)}
                    </option>
                  ))}
                </select>
                <button
                  type="button"
                  className={u.deactivated ? "" : "danger"}
                  onClick={() => void change(u, { deactivated: !u.deactivated })}
                >
                  {u.deactivated ? t("admin.reactivate") : t("admin.deactivate")}
                </button>
              </>
            )}
          </li>
        ))}
      </ul>
      {next && (
        <button
          type="button"
          onClick={() =>
            client.account.admin.users(q, next).then((r) => {
              setUsers((list) => [...list, ...r.users]);
              setNext(r.nextCursor);
            }, fail)
          }
        >
          {t("admin.more")}
        </button>
      )}
    </section>
  );
}

function SettingsTab({ fail }: { fail: Fail }) {
  const client = useClient();
  const { t } = useI18n();
  const [s, setS] = useState<WorkspaceSettings | null>(null);
  const [domains, setDomains] = useState("");
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    client.account.admin.settings().then((r) => {
      setS(r.settings);
      setDomains(r.settings.allowedEmailDomains.join(", "));
    }, fail);
  }, [client, fail]);
  if (!s) return null;
  return (
    <form
      aria-label={t("admin.tab.settings")}
      onSubmit={(e: FormEvent) => {
        e.preventDefault();
        setSaved(false);
        const allowedEmailDomains = domains.split(/[\s,]+/).filter(Boolean);
        client.account.admin.updateSettings({ ...s, allowedEmailDomains }).then((r) => {
          setS(r.settings);
          setSaved(true);
        }, fail);
      }}
    >
      <label>
        {t("admin.registration")}
        <select
          name="registration"
          value={s.registration}
          onChange={(e) => setS({ ...s, registration: e.target.value as RegistrationPolicy })}
        >
          {(["open", "invite", "closed"] as const).map((r) => (
            <option key={r} value={r}>
              {t(`admin.registration.${r}`)}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t("admin.domains")}
        <input name="domains" value={domains} placeholder="example.com" onChange={(e) => setDomains(e.target.value)} />
      </label>
      <label className="check">
        <input
          type="checkbox"
          checked={s.passwordLogin}
          onChange={(e) => setS({ ...s, passwordLogin: e.target.checked })}
        />
        {t("admin.passwordLogin")}
      </label>
      <button type="submit" className="primary">
        {t("settings.save")}
      </button>
      {saved && <p role="status">{t("settings.saved")}</p>}
    </form>
  );
}

function InvitesTab({ fail }: { fail: Fail }) {
  const client = useClient();
  const { t, locale } = useI18n();
  const [invites, setInvites] = useState<WorkspaceInvite[]>([]);
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<"admin" | "member" | "guest">("member");
  const [link, setLink] = useState<string | null>(null);
  const load = useCallback(
    () => client.account.admin.invites().then((r) => setInvites(r.invites), fail),
    [client, fail],
  );
  useEffect(() => void load(), [load]);
  const state = (i: WorkspaceInvite) =>
    i.usedAt ? "used" : i.revokedAt ? "revoked" : Date.parse(i.expiresAt) < Date.now() ? "expired" : "open";
  return (
    <section aria-label={t("admin.tab.invites")}>
      <form
        onSubmit={(e: FormEvent) => {
          e.preventDefault();
          client.account.admin.createInvite({ role, ...(email ? { email } : {}) }).then((r) => {
            setLink(r.url);
            setEmail("");
            void load();
          }, fail);
        }}
      >
        <div className="row">
          <input
            type="email"
            aria-label={t("admin.inviteEmail")}
            placeholder={t("admin.inviteEmail")}
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
          <select
            aria-label={t("admin.inviteRole")}
            value={role}
            onChange={(e) => setRole(e.target.value as typeof role)}
          >
            {(["member", "guest", "admin"] as const).map((r) => (
              <option key={r} value={r}>
                {t(`role.${r}`)}
              </option>
            ))}
          </select>
          <button type="submit" className="primary">
            {t("admin.createInvite")}
          </button>
        </div>
      </form>
      {link && (
        <p className="invite-link" data-testid="invite-link">
          {t("admin.inviteLink")} <code>{link}</code>
        </p>
      )}
      <ul className="invite-list">
        {invites.map((i) => (
          <li key={i.id}>
            <span>
              {i.email ?? t("admin.anyone")} · {t(`role.${i.role}`)} · {t(`admin.invite.${state(i)}`)} ·{" "}
              {new Date(i.expiresAt).toLocaleDateString(locale)}
            </span>
            {state(i) === "open" && (
              <button type="button" onClick={() => client.account.admin.revokeInvite(i.id).then(load, fail)}>
                {t("admin.revoke")}
              </button>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

function AuditTab({ fail }: { fail: Fail }) {
  const client = useClient();
  const { t, locale } = useI18n();
  const [entries, setEntries] = useState<AuditEntry[]>([]);
  const [next, setNext] = useState<string | null>(null);
  useEffect(() => {
    client.account.admin.audit().then((r) => {
      setEntries(r.entries);
      setNext(r.nextCursor);
    }, fail);
  }, [client, fail]);
  return (
    <section aria-label={t("admin.tab.audit")}>
      <table className="audit">
        <tbody>
          {entries.map((e) => (
            <tr key={e.id} data-testid="audit-entry" data-action={e.action}>
              <td>{new Date(e.at).toLocaleString(locale)}</td>
              <td>{t(`audit.${e.action}`)}</td>
              <td className="muted">{e.ip ?? ""}</td>
              <td className="muted">
                <code>{JSON.stringify(e.details)}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {next && (
        <button
          type="button"
          onClick={() =>
            client.account.admin.audit(next).then((r) => {
              setEntries((list) => [...list, ...r.entries]);
              setNext(r.nextCursor);
            }, fail)
          }
        >
          {t("admin.more")}
        </button>
      )}
    </section>
  );
}
