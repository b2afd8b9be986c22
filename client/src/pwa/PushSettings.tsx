import { useEffect, useState } from "react";
import { useI18n } from "../i18n";
import { errorText } from "../ui/format";
import { useAuth } from "../ui/hooks";
import { type PushState, pushState, sendTestPush, turnPushOff, turnPushOn } from "./push";
import "./pwa.css";

/**
 * Push notifications for this device: on/off and a test. Self-contained, so the settings page (or any
 * menu) can mount it as it is.
 */
export function PushSettings() {
  const auth = useAuth();
  const { t, lang } = useI18n();
  const [state, setState] = useState<PushState | null>(null);
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    void pushState().then((s) => live && setState(s));
    return () => {
      live = false;
    };
  }, []);

  const act = async (fn: () => Promise<void>) => {
    setBusy(true);
    setNote(null);
    try {
      await fn();
    } catch (e) {
      setNote(errorText(e, t));
    } finally {
      setBusy(false);
    }
  };

  if (state === null) return null;
  return (
    <section className="push-settings" aria-label={t("push.title")} data-testid="push-settings" data-state={state}>
      <h3>{t("push.title")}</h3>
      <p className="hint" role="status">
        {t(`push.state.${state}`)}
      </p>
      {(state === "off" || state === "on") && (
        <div className="push-actions">
          {state === "off" ? (
            <button
              type="button"
              className="primary"
              disabled={busy}
              onClick={() => void act(async () => setState(await turnPushOn(auth, lang)))}
            >
              {t("push.turnOn")}
            </button>
          ) : (
            <>
              <button
                type="button"
                disabled={busy}
                onClick={() => void act(async () => setState(await turnPushOff(auth)))}
              >
                {t("push.turnOff")}
              </button>
              <button
                type="button"
                disabled={busy}
                onClick={() =>
                  void act(async () => {
                    const { sent } = await sendTestPush(auth);
                    setNote(t("push.testSent", { count: sent }));
                  })
                }
              >
                {t("push.test")}
              </button>
            </>
          )}
        </div>
      )}
      {note && (
        <p className="hint" data-testid="push-note">
          {note}
        </p>
      )}
    </section>
  );
}
