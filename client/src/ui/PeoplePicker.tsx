// The one list people are picked from (a new group's members, members added to a group): each a
// button with avatar and presence, name and @username. The caller searches (useUserSearch) and filters.
import type { User } from "@messenger/protocol";
import { Avatar } from "./Avatar";

export function PeoplePicker({
  people,
  onPick,
  disabled,
  pickLabel,
  testId,
  pickMark,
}: {
  people: readonly User[];
  onPick(u: User): void;
  disabled?: boolean;
  /** The button's accessible name, when its text alone does not say what picking does. */
  pickLabel?(u: User): string;
  testId?: string;
  /** Shown at the end of each button (e.g. "+"), hidden from screen readers. */
  pickMark?: string;
}) {
  if (people.length === 0) return null;
  return (
    <ul className="people-pick">
      {people.map((u) => (
        <li key={u.id}>
          <button
            type="button"
            className="person"
            data-testid={testId}
            aria-label={pickLabel?.(u)}
            disabled={disabled}
            onClick={() => onPick(u)}
          >
            <Avatar user={u} size={28} online={u.online} />
            <span>
              {u.displayName} <span className="muted">@{u.username}</span>
            </span>
            {pickMark && (
              <span className="add-label" aria-hidden="true">
                {pickMark}
              </span>
            )}
          </button>
        </li>
      ))}
    </ul>
  );
}
