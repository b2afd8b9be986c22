import type { User } from "@messenger/protocol";
import { avatarHue, initials } from "./format";

export function Avatar({
  user,
  size = 36,
  online,
}: {
  user: Pick<User, "id" | "displayName"> & { avatarUrl?: string | null };
  size?: number;
  online?: boolean;
}) {
  return (
    <span
      className="avatar"
      style={{ width: size, height: size, fontSize: size * 0.4, background: `hsl(${avatarHue(user.id)} 55% 45%)` }}
      aria-hidden="true"
    >
      {user.avatarUrl ? (
        <img className="avatar-img" src={user.avatarUrl} alt="" loading="lazy" />
      ) : (
        initials(user.displayName)
      )}
      {online !== undefined && (
        <span
          className={`presence-dot ${online ? "online" : "offline"}`}
          data-testid="presence-dot"
          data-online={online}
        />
      )}
    </span>
  );
}

export function GroupAvatar({ title, id, size = 36 }: { title: string; id: string; size?: number }) {
  return (
    <span
      className="avatar group"
      style={{ width: size, height: size, fontSize: size * 0.4, background: `hsl(${avatarHue(id)} 35% 40%)` }}
      aria-hidden="true"
    >
      {initials(title)}
    </span>
  );
}
