import type { Conversation, User } from "@messenger/protocol";
import { createStore } from "./store";

export type UsersState = Readonly<Record<string, User>>;

/**
 * People by id, from wherever they came (conversation members, members pages, receipts, a lookup):
 * a big group's list carries no members, yet its authors' names must show.
 */
export function createUsersStore() {
  const store = createStore<UsersState>({});
  return {
    ...store,
    of: (id: string): User | undefined => store.get()[id],
    know: (users: readonly User[]) =>
      store.update((s) => {
        const fresh = users.filter((u) => s[u.id] !== u);
        return fresh.length ? { ...s, ...Object.fromEntries(fresh.map((u) => [u.id, u])) } : s;
      }),
    knowMembers: (conversations: readonly Conversation[]) =>
      store.update((s) => {
        let next: Record<string, User> | null = null;
        for (const c of conversations)
          for (const m of c.members)
            if (s[m.user.id] !== m.user) {
              next ??= { ...s };
              next[m.user.id] = m.user;
            }
        return next ?? s;
      }),
  };
}
export type UsersStore = ReturnType<typeof createUsersStore>;
