// What the app shell hands to the calls folder (the props of <CallsProvider>, see README.md).
import type { ClientToServerEvents, ServerToClientEvents, User } from "@messenger/protocol";
import type { Socket } from "socket.io-client";
import type { Lang } from "./i18n";

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
