// "Mentions": the messages that mention me (or everyone) across my conversations, newest first, with
// where and who; choosing one opens its conversation at the message. Older ones a page at a time.
import type { ConversationSummary, MentionsResponse, Message, User } from "@messenger/protocol";
import { useEffect, useState } from "react";
import { useI18n } from "../i18n";
import { Dialog } from "./Dialog";
import { errorText, listTime, previewText } from "./format";
import { useClient } from "./hooks";
import { showResult } from "./search";

interface Found {
  messages: Message[];
  conversations: Map<string, ConversationSummary>;
  users: Map<string, User>;
  next: string | null;
}

const add = (found: Found | null, page: MentionsResponse): Found => ({
  messages: [...(found?.messages ?? []), ...page.messages],
  conversations: new Map([...(found?.conversations ?? []), ...page.conversations.map((c) => [c.id, c] as const)]),
  users: new Map([...(found?.users ?? []), ...page.users.map((u) => [u.id, u] as const)]),
  next: page.nextCursor,
});

export function MentionsDialog({ onClose }: { onClose(): void }) {
  const client = useClient();
  const { t, locale } = useI18n();
  const [found, setFound] = useState<Found | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    client.mentions().then(
      (page) => live && setFound(add(null, page)),
      (e: unknown) => live && setError(t("mentions.failed", { message: errorText(e, t) })),
    );
    return () => {
      live = false;
    };
  }, [client, t]);

  const older = async () => {
    if (!found?.next) return;
    try {
      const page = await client.mentions(found.next);
      setFound((f) => add(f, page));
    } catch (e) {
      setError(t("mentions.failed", { message: errorText(e, t) }));
    }
  };

  const where = (m: Message) => {
    const c = found?.conversations.get(m.conversationId);
    return c?.kind === "group" ? (c.title ?? "") : (found?.users.get(m.senderId)?.displayName ?? "");
  };

  return (
    <Dialog label={t("mentions.title")} onClose={onClose} className="browse-dialog">
      <h2>{t("mentions.title")}</h2>
      {error && (
        <p role="alert" className="form-error">
          {error}
        </p>
      )}
      {found?.messages.length === 0 && <p className="hint">{t("mentions.empty")}</p>}
      <ul className="channel-list">
        {found?.messages.map((m) => (
          <li key={m.id}>
            <button
              type="button"
              className="mention-result"
              data-testid="mention-result"
              onClick={() => {
                onClose();
                showResult(client, m);
              }}
            >
              <span className="muted">
                {where(m)} · {found.users.get(m.senderId)?.displayName ?? "…"} · {listTime(m.createdAt, locale)}
              </span>
              <span>{previewText(m, t)}</span>
            </button>
          </li>
        ))}
      </ul>
      <div className="dialog-actions">
        {found?.next && (
          <button type="button" onClick={() => void older()}>
            {t("mentions.more")}
          </button>
        )}
        <button type="button" onClick={onClose}>
          {t("members.close")}
        </button>
      </div>
    </Dialog>
  );
}
