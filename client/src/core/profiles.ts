// People's profiles as they change: `user:updated` (a contact's name, status, avatar, role or
// deactivation, or my own from another device) is applied to every conversation that shows them,
// to the people the client knows, and to my session when it is me.
import type { User } from "@messenger/protocol";
import type { Auth } from "./auth";
import type { ChatSocket } from "./socket";
import type { ChatStores } from "./stores";

export function createProfiles(deps: {
  socket: ChatSocket;
  stores: Pick<ChatStores, "conversations" | "users">;
  auth: Auth;
}) {
  const { socket, stores, auth } = deps;
  const apply = (u: User) => {
    stores.conversations.applyUser(u);
    stores.users.know([u]);
    if (u.id === auth.user()?.id) auth.setUser(u);
  };
  socket.on("user:updated", apply);
  return { apply };
}
