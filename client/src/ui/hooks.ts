import { createContext, useContext, useSyncExternalStore } from "react";
import type { Auth } from "../core/auth";
import type { ChatClient } from "../core/client";
import type { Observable } from "../stores/store";

/** Subscribes a component to a store; `select` must return stable references for unchanged data. */
export function useStore<S, T = S>(store: Observable<S>, select?: (s: S) => T): T {
  const get = () => (select ? select(store.get()) : (store.get() as unknown as T));
  return useSyncExternalStore(store.subscribe, get, get);
}

export const ClientContext = createContext<ChatClient | null>(null);
export const AuthContext = createContext<Auth | null>(null);

export function useClient(): ChatClient {
  const c = useContext(ClientContext);
  if (!c) throw new Error("useClient outside <ClientContext>");
  return c;
}
export function useAuth(): Auth {
  const a = useContext(AuthContext);
  if (!a) throw new Error("useAuth outside <AuthContext>");
  return a;
}
