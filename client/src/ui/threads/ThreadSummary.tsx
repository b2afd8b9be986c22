// What a message shows of threads, pins and saving in the timeline: the root's "3 replies" (opens the
// thread), "in a thread" on a reply also sent to the conversation, the pinned mark, and the toolbar's
// reply-in-thread, pin and save buttons.
import type { Conversation, Message } from "@messenger/protocol";
import { type Translate, useI18n } from "../../i18n";
import { useClient, useStore } from "../hooks";
import { Icon } from "../Icon";
import { usePeople } from "../people";

export const repliesText = (count: number, t: Translate) =>
  count === 1 ? t("thread.oneReply") : t("thread.replies", { count });

/** Below a message: pinned, its thread's summary, or the thread it was replied in. */
export function MessageExtras({ message: m, conversation }: { message: Message; conversation: Conversation }) {
  const client = useClient();
  const { t } = useI18n();
  const userOf = usePeople();
  if (m.deletedAt && !m.thread) return null;
  const names = (m.thread?.participantIds ?? [])
    .map((id) => userOf(conversation, id)?.displayName)
    .filter(Boolean)
    .slice(0, 3)
    .join(", ");
  return (
    <>
      {m.pinnedAt && (
        <span className="pinned-mark muted" data-testid="pinned-mark">
          <Icon name="pin" size={12} /> {t("pins.pinned")}
        </span>
      )}
      {m.thread && m.thread.replyCount > 0 && (
        <button
          type="button"
          className="thread-summary"
          data-testid="thread-summary"
          title={names}
          onClick={() => void client.openThread(m.conversationId, m.id).catch(() => undefined)}
        >
          <Icon name="thread" size={14} /> {repliesText(m.thread.replyCount, t)}
        </button>
      )}
      {m.threadRootId && (
        <button
          type="button"
          className="thread-summary muted"
          onClick={() => void client.openThread(m.conversationId, m.threadRootId!).catch(() => undefined)}
        >
          {t("thread.inThread")}
        </button>
      )}
    </>
  );
}

/** Toolbar buttons: reply in thread (top-level messages), pin / unpin, save / unsave. */
export function MessageExtraActions({ message: m }: { message: Message }) {
  const client = useClient();
  const { t } = useI18n();
  const saved = useStore(client.stores.saved, (s) => s?.has(m.id) ?? false);
  if (m.kind !== "text") return null;
  const pinned = !!m.pinnedAt;
  return (
    <>
      {!m.threadRootId && (
        <button
          type="button"
          aria-label={t("thread.open")}
          title={t("thread.open")}
          data-testid="reply-in-thread"
          onClick={() => void client.openThread(m.conversationId, m.id).catch(() => undefined)}
        >
          <Icon name="thread" size={16} />
        </button>
      )}
      <button
        type="button"
        aria-label={pinned ? t("pins.unpin") : t("pins.pin")}
        title={pinned ? t("pins.unpin") : t("pins.pin")}
        aria-pressed={pinned}
        data-testid="pin-button"
        onClick={() => void client.pin(m.id, !pinned).catch(() => undefined)}
      >
        <Icon name="pin" size={16} />
      </button>
      <button
        type="button"
        aria-label={saved ? t("saved.unsave") : t("saved.save")}
        title={saved ? t("saved.unsave") : t("saved.save")}
        aria-pressed={saved}
        data-testid="save-button"
        onClick={() => void client.save(m.id, !saved).catch(() => undefined)}
      >
        <Icon name="bookmark" size={16} />
      </button>
    </>
  );
}
