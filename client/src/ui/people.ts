import type { Conversation, User } from "@messenger/protocol";
import { useClient, useStore } from "./hooks";

/**
 * `userOf(conversation, id)`: a user by id, from the conversation's members or the people the client
 * has met; one it does not know yet is looked up and the component renders again when it arrives.
 */
export function usePeople(): (c: Conversation | undefined, id: string) => User | undefined {
  const client = useClient();
  useStore(client.stores.users);
  return client.userOf;
}
