import { ClientFocusPayload } from "@messenger/protocol";
import type { AppDeps } from "../deps.js";
import { spend } from "../limits.js";
import { on } from "../realtime/handler.js";
import type { ChatSocket } from "../realtime/hub.js";

/** `client:focus`: which of a user's tabs is in the foreground (no push while one is). */
export function createFocusHandlers(deps: AppDeps) {
  const { push, limits, log } = deps;
  return (socket: ChatSocket) => {
    const { userId } = socket.data;
    on(
      socket,
      "client:focus",
      ClientFocusPayload,
      async ({ focused }) => {
        await spend(limits.focusChanges, socket.id, "focus changes too often");
        await push.focus.set(userId, socket.id, focused);
        return {};
      },
      log,
    );
    socket.on("disconnect", () => {
      push.focus.drop(userId, socket.id).catch((err) => log.warn({ err }, "focus: could not forget a socket"));
    });
  };
}
