// Who a user id is: the conversation's members when the client has them, else the people it has
// met (members pages, receipts), else one batched lookup (`GET /api/users/lookup`) for the ids it
// still lacks. A big group's list carries no members, yet its authors and typists need names.
import type { Conversation, User } from "@messenger/protocol";
import type { ChatApi } from "./api";
import type { ChatStores } from "./stores";

/** How many ids one lookup asks for (the server's USERS_LOOKUP_MAX). */
const LOOKUP_BATCH = 100;

export function createPeople(deps: { api: ChatApi; stores: Pick<ChatStores, "users" | "conversations"> }) {
  const { api } = deps;
  const { users, conversations } = deps.stores;
  // Ids asked for once (in flight or answered): a failed or unknown id is not asked again and again.
  const asked = new Set<string>();
  let queued: string[] = [];

  conversations.subscribe(() => users.knowMembers(Object.values(conversations.get())));

  async function lookup() {
    const ids = queued;
    queued = [];
    for (let i = 0; i < ids.length; i += LOOKUP_BATCH) {
      const batch = ids.slice(i, i + LOOKUP_BATCH);
      try {
        users.know((await api.lookupUsers(batch)).users);
      } catch {
        // Asked again after a reload; meanwhile the name shows as unknown.
        for (const id of batch) asked.delete(id);
      }
    }
  }

  return {
    /** The user, if known; an unknown one is looked up (the users store changes when it arrives). */
    userOf(c: Conversation | undefined, id: string): User | undefined {
      const u = c?.members.find((m) => m.user.id === id)?.user ?? users.of(id);
      if (u || asked.has(id)) return u;
      asked.add(id);
      if (queued.push(id) === 1) queueMicrotask(() => void lookup());
      return undefined;
    },
    know: users.know,
  };
}
export type People = ReturnType<typeof createPeople>;
