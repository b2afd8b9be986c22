import { useEffect, useMemo, useState } from "react";
import { createAuth } from "../core/auth";
import { I18nContext, initialLang, type Lang, saveLang, translator } from "../i18n";
import { AuthContext, useStore } from "./hooks";
import { LoginScreen } from "./LoginScreen";
import { Messenger } from "./Messenger";

/** Serialises refresh-token rotation between tabs of the same browser. */
const crossTabLock = <T,>(name: string, fn: () => Promise<T>): Promise<T> =>
  typeof navigator !== "undefined" && navigator.locks
    ? (navigator.locks.request(name, fn) as unknown as Promise<T>)
    : fn();

export function App() {
  const [lang, setLangState] = useState<Lang>(initialLang);
  const i18n = useMemo(
    () => ({
      lang,
      t: translator(lang),
      locale: lang === "es" ? "es-ES" : "en-GB",
      setLang(l: Lang) {
        saveLang(l);
        setLangState(l);
      },
    }),
    [lang],
  );
  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);

  const [auth] = useState(() => createAuth({ storage: localStorage, lock: crossTabLock }));
  const session = useStore(auth.session);
  const userId = session?.user.id;

  // Company sign-in returns with `#oidc=<refresh token>`: take it, and take it out of the URL and history.
  useEffect(() => {
    const m = /^#oidc=([^&]+)$/.exec(location.hash);
    if (!m?.[1]) return;
    history.replaceState(null, "", location.pathname);
    void auth.adoptRefreshToken(decodeURIComponent(m[1])).catch(() => undefined);
  }, [auth]);

  // Another tab signed in, out, or rotated the token.
  useEffect(() => {
    const onStorage = (e: StorageEvent) => {
      if (e.key === null || e.key === "messenger.session") auth.syncFromStorage();
    };
    window.addEventListener("storage", onStorage);
    return () => window.removeEventListener("storage", onStorage);
  }, [auth]);

  return (
    <I18nContext.Provider value={i18n}>
      <AuthContext.Provider value={auth}>{userId ? <Messenger key={userId} /> : <LoginScreen />}</AuthContext.Provider>
    </I18nContext.Provider>
  );
}
