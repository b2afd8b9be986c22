import { type ReactNode, useEffect, useMemo, useState, useSyncExternalStore } from "react";
import { CallsContext, type CallsContextValue, useCallsContext } from "./context";
import { CallController, forceRelayFromLocation } from "./controller";
import type { CallsDeps } from "./deps";
import { callStrings, pickLang } from "./i18n";
import type { CallsState } from "./store";

/** Holds the call controller for the signed-in user; see README.md for the props. */
export function CallsProvider({
  socket,
  apiFetch,
  me,
  lang,
  forceRelay,
  children,
}: CallsDeps & { children?: ReactNode }) {
  const resolvedLang = pickLang(lang, typeof navigator === "undefined" ? undefined : navigator.language);
  const t = callStrings[resolvedLang];
  // The latest apiFetch is read through a ref-like holder so a new function identity from the
  // shell does not tear down a live call.
  const [fetchHolder] = useState(() => ({ current: apiFetch }));
  fetchHolder.current = apiFetch;
  const relay = forceRelay ?? forceRelayFromLocation();
  const controller = useMemo(
    () =>
      new CallController({
        socket,
        apiFetch: (path, init) => fetchHolder.current(path, init),
        me: { id: me.id },
        forceRelay: relay,
      }),
    [socket, me.id, relay, fetchHolder],
  );
  controller.setStrings(t);
  useEffect(() => controller.attach(), [controller]);
  const value = useMemo<CallsContextValue>(
    () => ({ controller, me, t, lang: resolvedLang }),
    [controller, me, t, resolvedLang],
  );
  return <CallsContext.Provider value={value}>{children}</CallsContext.Provider>;
}

export function useCallsState(): CallsState {
  const { controller } = useCallsContext();
  return useSyncExternalStore(controller.store.subscribe, controller.store.getState, controller.store.getState);
}
