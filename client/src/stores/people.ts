import type { User } from "@messenger/protocol";
import { createStore } from "./store";

/**
 * Everyone the server has named to this client with their messages (message pages and search results
 * carry their authors): how a message keeps its author's name and avatar after they left, and in a big
 * group whose members are not all listed.
 */
export function createPeopleStore() {
  const store = createStore<Readonly<Record<string, User>>>({});
  return {
    ...store,
    byId: (id: string): User | undefined => store.get()[id],
    remember(users: readonly User[] | undefined) {
      if (!users?.length) return;
      store.update((s) => {
        if (users.every((u) => s[u.id] === u)) return s;
        const next = { ...s };
        for (const u of users) next[u.id] = u;
        return next;
      });
    },
  };
}
export type PeopleStore = ReturnType<typeof createPeopleStore>;
