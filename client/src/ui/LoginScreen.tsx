import { type AuthOptionsResponse, RegisterBody } from "@messenger/protocol";
import { type FormEvent, useEffect, useState } from "react";
import { RequestError } from "../core/errors";
import { useI18n } from "../i18n";
import { useAuth } from "./hooks";
import { LanguageField } from "./LanguageField";

/** An invite link is `/?invite=<code>`. */
const inviteFromUrl = () => new URLSearchParams(globalThis.location?.search ?? "").get("invite") ?? undefined;
/** Company sign-in came back with an error: `/?oidc_error=<code>`. */
const oidcErrorFromUrl = () => new URLSearchParams(globalThis.location?.search ?? "").get("oidc_error");

const KNOWN_ERRORS = [
  "invalid_credentials",
  "username_taken",
  "rate_limited",
  "network",
  "weak_password",
  "registration_closed",
  "invite_invalid",
  "email_domain_not_allowed",
  "email_taken",
  "account_deactivated",
  "password_login_disabled",
] as const;

export function LoginScreen() {
  const auth = useAuth();
  const { t } = useI18n();
  const [inviteCode] = useState(inviteFromUrl);
  const [options, setOptions] = useState<AuthOptionsResponse | null>(null);
  const [mode, setMode] = useState<"login" | "register">(inviteCode ? "register" : "login");
  const [email, setEmail] = useState("");
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [displayName, setDisplayName] = useState("");
  const [error, setError] = useState<string | null>(() => {
    const code = oidcErrorFromUrl();
    const known = KNOWN_ERRORS.find((k) => k === code);
    return code ? (known ? t(`error.${known}`) : t("error.oidc_failed", { message: code })) : null;
  });
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    fetch("/api/auth/options")
      .then((r) => (r.ok ? (r.json() as Promise<AuthOptionsResponse>) : null))
      .then(setOptions, () => undefined);
  }, []);
  const canRegister = !!inviteCode || options?.registration === "open";

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    const name = username.trim().toLowerCase();
    if (mode === "register") {
      // The same rules the server applies, so the user hears about them before a round-trip.
      const check = RegisterBody.safeParse({ username: name, password, displayName: displayName.trim() || undefined });
      if (!check.success) {
        const issue = check.error.issues[0];
        setError(t("error.bad_request", { message: `${issue?.path.join(".")}: ${issue?.message}` }));
        return;
      }
    }
    setBusy(true);
    try {
      if (mode === "register") {
        await auth.register({
          username: name,
          password,
          displayName: displayName.trim() || undefined,
          ...(inviteCode ? { inviteCode } : {}),
          ...(email.trim() ? { email: email.trim() } : {}),
        });
        // The invite is used up: a reload must not offer it again.
        if (inviteCode) history.replaceState(null, "", location.pathname + location.hash);
      } else await auth.login({ username: name, password });
    } catch (err) {
      setBusy(false);
      if (err instanceof RequestError) {
        const code = KNOWN_ERRORS.find((k) => k === err.code);
        setError(code ? t(`error.${code}`) : t("error.generic", { message: err.message }));
      } else setError(t("error.generic", { message: String(err) }));
    }
  }

  const title = mode === "login" ? t("auth.signIn") : t("auth.register");
  return (
    <main className="login">
      <form className="login-card" onSubmit={submit} aria-labelledby="login-title">
        <div className="login-brand" aria-hidden="true">
          <img src="/favicon.svg" alt="" width={48} height={48} />
        </div>
        <h1 id="login-title">{title}</h1>
        {inviteCode && mode === "register" && <p className="form-notice">{t("auth.invited")}</p>}
        {options?.oidc && (
          <>
            <a className="button primary oidc" href={options.oidc.startUrl} data-testid="oidc-start">
              {t("auth.oidc", { name: options.oidc.displayName })}
            </a>
            <p className="muted login-or">{t("auth.or")}</p>
          </>
        )}
        <label>
          {t("auth.username")}
          <input
            name="username"
            autoComplete="username"
            autoCapitalize="none"
            required
            value={username}
            onChange={(e) => setUsername(e.target.value)}
          />
        </label>
        {mode === "register" && (
          <label>
            {t("auth.email")}
            <input
              name="email"
              type="email"
              autoComplete="email"
              value={email}
              onChange={(e) => setEmail(e.target.value)}
            />
          </label>
        )}
        {mode === "register" && (
          <label>
            {t("auth.displayName")}
            <input
              name="displayName"
              autoComplete="name"
              value={displayName}
              onChange={(e) => setDisplayName(e.target.value)}
            />
          </label>
        )}
        <label>
          {t("auth.password")}
          <input
            name="password"
            type="password"
            autoComplete={mode === "login" ? "current-password" : "new-password"}
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? t("auth.working") : title}
        </button>
        {(canRegister || mode === "register") && (
          <button
            type="button"
            className="link"
            onClick={() => {
              setMode(mode === "login" ? "register" : "login");
              setError(null);
            }}
          >
            {mode === "login" ? t("auth.noAccount") : t("auth.haveAccount")}
          </button>
        )}
        <LanguageField className="lang-select" />
      </form>
    </main>
  );
}
