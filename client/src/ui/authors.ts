// Who wrote a message (or is named in a notice): a member of the conversation, else the person the
// server named with the messages — then, if the member list is complete, a former member.
import type { Conversation, User } from "@messenger/protocol";
import type { PeopleStore } from "../stores/people";
import { useClient, useStore } from "./hooks";

export interface Author {
  user: User | undefined;
  /** No longer a member (only said when the conversation lists all of its members). */
  former: boolean;
}

export function authorOf(c: Conversation, people: ReturnType<PeopleStore["get"]>, id: string): Author {
  const member = c.members.find((m) => m.user.id === id)?.user;
  if (member) return { user: member, former: false };
  return { user: people[id], former: c.kind === "group" && c.members.length >= c.memberCount };
}

export function useAuthor(c: Conversation, id: string): Author {
  const client = useClient();
  const person = useStore(client.stores.people, (s) => s[id]);
  return authorOf(c, person ? { [id]: person } : {}, id);
}

/** The name to show for `id` in `c` ("…" when nobody has told us). */
export function useDisplayName(c: Conversation) {
  const client = useClient();
  const people = useStore(client.stores.people);
  return (id: string) => authorOf(c, people, id).user?.displayName ?? "…";
}
