import type { User } from "@messenger/protocol";
import type { UserRow } from "../store/index.js";
import type { Presence } from "./presence.js";

/** Do not disturb is on for this account now (push notifications stay silent while it is). */
export const isInDnd = (row: Pick<UserRow, "dnd_until">, now = Date.now()): boolean =>
  row.dnd_until !== null && row.dnd_until.getTime() > now;

/** Same-origin URL of the avatar (media-service); the key's last part makes a changed avatar a new URL. */
export const avatarUrlOf = (row: Pick<UserRow, "id" | "avatar_key">): string | null =>
  row.avatar_key ? `/api/media/avatars/${row.id}?v=${encodeURIComponent(row.avatar_key.split("/").pop() ?? "")}` : null;

export function toUser(row: UserRow, online: boolean): User {
  const now = Date.now();
  const statusLive =
    (row.status_emoji || row.status_text) && (!row.status_expires_at || row.status_expires_at.getTime() > now);
  return {
    id: row.id,
    username: row.username,
    displayName: row.display_name,
    online: online && !row.deactivated_at,
    lastSeenAt: row.last_seen_at ? row.last_seen_at.toISOString() : null,
    role: row.role,
    avatarUrl: avatarUrlOf(row),
    status: statusLive
      ? {
          emoji: row.status_emoji ?? "",
          text: row.status_text ?? "",
          expiresAt: row.status_expires_at ? row.status_expires_at.toISOString() : null,
        }
      : null,
    dnd: isInDnd(row, now),
    deactivated: row.deactivated_at !== null,
    timeZone: row.time_zone,
  };
}

export async function toUsers(rows: UserRow[], presence: Presence): Promise<User[]> {
  const online = await presence.onlineAmong(rows.map((r) => r.id));
  return rows.map((r) => toUser(r, online.has(r.id)));
}
