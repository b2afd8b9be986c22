// Who wrote a message: a member of the conversation, else the person the server named with the
// messages (the users store) — then, if the member list is complete, a former member.
import type { Conversation, User } from "@messenger/protocol";
import type { UsersState } from "../stores/users";
import { usePeople } from "./people";

export interface Author {
  user: User | undefined;
  /** No longer a member (only said when the conversation lists all of its members). */
  former: boolean;
}

/** `c`'s member list is complete (a big group's list carries none), so someone not in it has left. */
const formerIn = (c: Conversation, id: string) =>
  c.kind === "group" && c.members.length >= c.memberCount && !c.members.some((m) => m.user.id === id);

export function authorOf(c: Conversation, users: UsersState, id: string): Author {
  return { user: c.members.find((m) => m.user.id === id)?.user ?? users[id], former: formerIn(c, id) };
}

export function useAuthor(c: Conversation, id: string): Author {
  const userOf = usePeople();
  return { user: userOf(c, id), former: formerIn(c, id) };
}

/** The name to show for `id` in `c` ("…" until it is known). */
export function useDisplayName(c: Conversation) {
  const userOf = usePeople();
  return (id: string) => userOf(c, id)?.displayName ?? "…";
}
