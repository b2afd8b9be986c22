// The pinned messages of a conversation (header button → list, kept live by core/rich.ts) and my saved
// items (sidebar button → list). Choosing one brings it into view in its conversation.
import type { Conversation, Message } from "@messenger/protocol";
import { useEffect, useState } from "react";
import { useI18n } from "../i18n";
import { Dialog } from "./Dialog";
import { conversationTitle, errorText, listTime } from "./format";
import { useClient, useStore } from "./hooks";
import { Icon } from "./Icon";
import { plainText } from "./markdown/markdown";
import { usePeople } from "./people";
import { showResult } from "./search";

export function PinsButton({ conversation }: { conversation: Conversation }) {
  const client = useClient();
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  const pins = useStore(client.stores.pins, (s) => s[conversation.id]);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!open) return;
    setError(null);
    client.loadPins(conversation.id).catch((e: unknown) => setError(errorText(e, t)));
  }, [open, client, conversation.id, t]);
  return (
    <>
      <button
        type="button"
        className="icon-button"
        aria-label={t("pins.open")}
        title={t("pins.open")}
        aria-haspopup="dialog"
        data-testid="pins-button"
        onClick={() => setOpen(true)}
      >
        <Icon name="pin" />
      </button>
      {open && (
        <Dialog label={t("pins.open")} onClose={() => setOpen(false)} className="pins-dialog">
          <h3>{t("pins.open")}</h3>
          {error && <p className="form-error">{error}</p>}
          <MessageCards
            messages={pins}
            empty={t("pins.none")}
            testId="pins-list"
            onPick={(m) => {
              setOpen(false);
              void client.showMessage(m.conversationId, m);
            }}
          />
        </Dialog>
      )}
    </>
  );
}

export function SavedButton() {
  const client = useClient();
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  const [items, setItems] = useState<Message[] | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!open) return;
    setError(null);
    client.loadSaved().then(
      (found) => setItems(found.map((i) => i.message)),
      (e: unknown) => setError(errorText(e, t)),
    );
  }, [open, client, t]);
  return (
    <>
      <button
        type="button"
        className="icon-button"
        aria-label={t("saved.title")}
        title={t("saved.title")}
        aria-haspopup="dialog"
        data-testid="saved-button"
        onClick={() => setOpen(true)}
      >
        <Icon name="bookmark" />
      </button>
      {open && (
        <Dialog label={t("saved.title")} onClose={() => setOpen(false)} className="pins-dialog">
          <h3>{t("saved.title")}</h3>
          {error && <p className="form-error">{error}</p>}
          <MessageCards
            messages={items}
            empty={t("saved.none")}
            testId="saved-list"
            showConversation
            onPick={(m) => {
              setOpen(false);
              showResult(client, m);
            }}
          />
        </Dialog>
      )}
    </>
  );
}

function MessageCards({
  messages,
  empty,
  testId,
  showConversation,
  onPick,
}: {
  messages: readonly Message[] | undefined;
  empty: string;
  testId: string;
  showConversation?: boolean;
  onPick(m: Message): void;
}) {
  const client = useClient();
  const { t, locale } = useI18n();
  const conversations = useStore(client.stores.conversations);
  const userOf = usePeople();
  if (!messages) return <p className="hint">{t("search.searching")}</p>;
  if (messages.length === 0) return <p className="hint">{empty}</p>;
  return (
    <ul className="message-cards" data-testid={testId}>
      {messages.map((m) => {
        const c = conversations[m.conversationId];
        const sender = userOf(c, m.senderId)?.displayName ?? "…";
        return (
          <li key={m.id}>
            <button type="button" className="message-result" data-testid="message-card" onClick={() => onPick(m)}>
              <span className="message-result-top">
                <span className="message-result-who">
                  {showConversation && c && <strong>{conversationTitle(c, client.me())} · </strong>}
                  {sender}
                </span>
                <time className="muted" dateTime={m.createdAt}>
                  {listTime(m.createdAt, locale)}
                </time>
              </span>
              <span className="message-result-body">{plainText(m.body) || m.attachments[0]?.name}</span>
            </button>
          </li>
        );
      })}
    </ul>
  );
}
