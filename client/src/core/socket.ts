// The one socket.io connection to chat-service and its lifecycle: connecting, the `connection` state
// the UI shows, coming back with a fresh access token when the server refuses or closes us, handing
// every refreshed token to the open socket (`auth:refresh`), and following the browser's online and
// offline. What a (re)connect means for the data is for sync.ts, outbox.ts and reading.ts, which
// listen to the socket themselves.
import type { ClientToServerEvents, ServerToClientEvents } from "@messenger/protocol";
import { UNAUTHORIZED } from "@messenger/protocol";
import { io, type Socket } from "socket.io-client";
import type { Store } from "../stores/store";
import type { Auth } from "./auth";

export type ChatSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
export type ConnectionState = "connecting" | "connected" | "reconnecting" | "offline";

export function createConnection(deps: {
  auth: Auth;
  /** socket.io origin; "" or undefined = this page's origin. */
  url?: string;
  connection: Store<ConnectionState>;
  /** Is the network up (navigator.onLine)? */
  isOnline: () => boolean;
}) {
  const { auth, connection, isOnline } = deps;
  /** Set while the browser reports the network down: we disconnected on purpose and wait for "online". */
  let networkDown = false;
  const networkUp = () => !networkDown && isOnline();

  const socket: ChatSocket = io(deps.url ?? "", {
    autoConnect: false,
    transports: ["websocket", "polling"],
    // A function, so every (re)connect presents the latest access token.
    auth: (cb) => cb({ token: auth.accessToken() ?? "" }),
    reconnectionDelay: 500,
    reconnectionDelayMax: 5000,
  });

  socket.on("connect", () => {
    connection.set("connected");
  });
  socket.on("disconnect", (reason) => {
    connection.set(networkUp() ? "reconnecting" : "offline");
    // The server closed us (token expired mid-session, or a deploy): come back with a fresh token.
    if (reason === "io server disconnect") void reconnectWithFreshToken();
  });
  socket.on("connect_error", (err) => {
    connection.set(networkUp() ? "reconnecting" : "offline");
    if (err.message === UNAUTHORIZED) void reconnectWithFreshToken();
    else if (!socket.active) setTimeout(() => socket.connect(), 2000);
  });

  // Every refreshed access token goes to the open socket too: the server closes a socket when
  // the token it holds expires, so without this it would drop and reconnect every 15 minutes.
  let tokenTold = auth.accessToken();
  socket.on("connect", () => {
    tokenTold = auth.accessToken();
  });
  const stopTokenWatch = auth.session.subscribe(() => {
    const token = auth.accessToken();
    if (!token || token === tokenTold || !socket.connected) return;
    tokenTold = token;
    socket.emit("auth:refresh", { token }, () => {});
  });

  async function reconnectWithFreshToken() {
    try {
      if (!(await auth.refresh())) return; // signed out: the app shows the login screen
    } catch {
      // network trouble: try again with the token we have
    }
    if (!socket.connected && networkUp()) socket.connect();
  }

  return {
    socket,
    /** Connects, unless the browser says there is no network: then offline until `networkChanged(true)`. */
    connect() {
      if (isOnline()) socket.connect();
      else connection.set("offline");
    },
    /** The browser says the network went away / came back. */
    networkChanged(online: boolean) {
      networkDown = !online;
      if (!online) {
        connection.set("offline");
        socket.disconnect();
      } else if (!socket.connected) {
        connection.set("reconnecting");
        socket.connect();
      }
    },
    dispose() {
      stopTokenWatch();
      socket.disconnect();
    },
  };
}
