import type { User } from "@messenger/protocol";
import type { UserRow } from "../store/index.js";
import type { Presence } from "./presence.js";

export function toUser(row: UserRow, online: boolean): User {
  return {
    id: row.id,
    username: row.username,
    displayName: row.display_name,
    online,
    lastSeenAt: row.last_seen_at ? row.last_seen_at.toISOString() : null,
  };
}

export async function toUsers(rows: UserRow[], presence: Presence): Promise<User[]> {
  const online = await presence.onlineAmong(rows.map((r) => r.id));
  return rows.map((r) => toUser(r, online.has(r.id)));
}
