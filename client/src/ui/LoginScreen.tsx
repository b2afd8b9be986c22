import { RegisterBody } from "@messenger/protocol";
import { type FormEvent, useState } from "react";
import { RequestError } from "../core/errors";
import { LANGS, type Lang, useI18n } from "../i18n";
import { useAuth } from "./hooks";

export function LoginScreen() {
  const auth = useAuth();
  const { t, lang, setLang } = useI18n();
  const [mode, setMode] = useState<"login" | "register">("login");
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [displayName, setDisplayName] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

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
      if (mode === "register")
        await auth.register({ username: name, password, displayName: displayName.trim() || undefined });
      else await auth.login({ username: name, password });
    } catch (err) {
      setBusy(false);
      if (err instanceof RequestError) {
        const known = ["invalid_credentials", "username_taken", "rate_limited", "network", "weak_password"] as const;
        const code = known.find((k) => k === err.code);
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
        <label className="lang-select">
          {t("menu.language")}
          <select value={lang} onChange={(e) => setLang(e.target.value as Lang)}>
            {Object.entries(LANGS).map(([k, v]) => (
              <option key={k} value={k}>
                {v}
              </option>
            ))}
          </select>
        </label>
      </form>
    </main>
  );
}
