// "Seen by N" under my last message in a big group: the count comes from the server (the client has
// no member list there) and is asked again, at most once a second, while reads of my messages arrive
// live; who they are is fetched page by page only when asked.
import type { User } from "@messenger/protocol";
import { useEffect, useState } from "react";
import { useI18n } from "../i18n";
import { Avatar } from "./Avatar";
import { useClient, useStore } from "./hooks";

/** Reads arriving live ask again after this long, so a burst of them costs one request. */
const REFRESH_MS = 1000;

export function SeenByCount({ conversationId, messageId }: { conversationId: string; messageId: string }) {
  const client = useClient();
  const { t } = useI18n();
  const liveReads = useStore(client.stores.liveReads, (s) => s[conversationId] ?? 0);
  const [count, setCount] = useState<number | null>(null);
  const [who, setWho] = useState<{ users: User[]; next: string | null } | null>(null);

  // biome-ignore lint/correctness/useExhaustiveDependencies: liveReads is the signal to ask again
  useEffect(() => {
    let stale = false;
    const timer = setTimeout(
      () =>
        void client
          .messageReceipts(conversationId, messageId, { limit: 1 })
          .then((r) => !stale && setCount(r.readCount))
          .catch(() => undefined),
      count === null ? 0 : REFRESH_MS,
    );
    return () => {
      stale = true;
      clearTimeout(timer);
    };
  }, [client, conversationId, messageId, liveReads]);

  const more = async (cursor: string | null) => {
    const r = await client.messageReceipts(conversationId, messageId, { cursor }).catch(() => null);
    if (r) setWho((w) => ({ users: [...(cursor ? (w?.users ?? []) : []), ...r.users], next: r.nextCursor }));
  };

  if (!count) return null;
  return (
    <div className="receipt" data-testid="seen-receipt" data-count={count}>
      <button
        type="button"
        className="link muted"
        aria-expanded={who !== null}
        onClick={() => (who ? setWho(null) : void more(null))}
      >
        {t("status.seenByCount", { count })}
      </button>
      {who && (
        <ul className="seen-by-list" aria-label={t("status.seenByList")} data-testid="seen-by-list">
          {who.users.map((u) => (
            <li key={u.id}>
              <Avatar user={u} size={16} /> {u.displayName}
            </li>
          ))}
          {who.next && (
            <li>
              <button type="button" className="link" onClick={() => void more(who.next)}>
                {t("members.more")}
              </button>
            </li>
          )}
        </ul>
      )}
    </div>
  );
}
