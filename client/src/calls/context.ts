// What the app shell hands to the calls components, and the React context that carries it.
import type { ClientToServerEvents, ServerToClientEvents, User } from "@messenger/protocol";
import { createContext, useContext } from "react";
import type { Socket } from "socket.io-client";
import type { CallController } from "./controller";
import type { CallStrings, Lang } from "./i18n";

export type CallsSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Same-origin `path` (e.g. `/api/calls/ice-servers`), authenticated by the shell; returns the raw Response. */
export type ApiFetch = (path: string, init?: RequestInit) => Promise<Response>;

export interface CallsDeps {
  socket: CallsSocket;
  apiFetch: ApiFetch;
  me: User;
  lang?: Lang;
  /** Force `iceTransportPolicy: "relay"` (also `?forceRelay=1` or localStorage `calls.forceRelay=1`). */
  forceRelay?: boolean;
}

export interface CallsContextValue {
  controller: CallController;
  me: User;
  t: CallStrings;
  lang: Lang;
}

export const CallsContext = createContext<CallsContextValue | null>(null);

export function useCallsContext(): CallsContextValue {
  const ctx = useContext(CallsContext);
  if (!ctx) throw new Error("calls components must be rendered inside <CallsProvider>");
  return ctx;
}
