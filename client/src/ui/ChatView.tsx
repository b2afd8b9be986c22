import type { Message } from "@messenger/protocol";
import { type DragEvent, useEffect, useState } from "react";
import { CallButtons, MeetingBanner, MeetingButton } from "../calls/index.js";
import { useI18n } from "../i18n";
import { Avatar, GroupAvatar } from "./Avatar";
import { Composer } from "./Composer";
import { conversationTitle, dayLabel, otherMember, timeLabel, typingText } from "./format";
import { useClient, useStore } from "./hooks";
import { Icon } from "./Icon";
import { MessageList } from "./MessageList";
import { openConversation } from "./Messenger";

/** What the composer is doing besides writing a new message. */
export type ComposerMode = { kind: "new" } | { kind: "reply"; message: Message } | { kind: "edit"; message: Message };

export function ChatView({ conversationId }: { conversationId: string }) {
  const client = useClient();
  const { t } = useI18n();
  const conversation = useStore(client.stores.conversations, (s) => s[conversationId]);
  const [mode, setMode] = useState<ComposerMode>({ kind: "new" });
  const [dragging, setDragging] = useState(false);

  if (!conversation) return <div className="empty-pane" />;
  const me = client.me();
  const title = conversationTitle(conversation, me);
  const other = conversation.kind === "direct" ? otherMember(conversation, me) : undefined;

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    for (const f of e.dataTransfer.files) client.upload(conversationId, f);
  };

  return (
    <section
      className="chat"
      aria-label={title}
      data-testid="chat"
      data-conversation-id={conversationId}
      onDragOver={(e) => {
        if (e.dataTransfer.types.includes("Files")) {
          e.preventDefault();
          setDragging(true);
        }
      }}
      onDragLeave={(e) => {
        if (e.currentTarget === e.target) setDragging(false);
      }}
      onDrop={onDrop}
    >
      <header className="chat-header">
        <button
          type="button"
          className="icon-button back"
          aria-label={t("chat.back")}
          onClick={() => openConversation(null)}
        >
          <Icon name="back" />
        </button>
        {other ? <Avatar user={other} /> : <GroupAvatar title={title} id={conversation.id} />}
        <div className="chat-title">
          <h2 data-testid="chat-title">{title}</h2>
          {other ? (
            <PresenceLine userId={other.id} />
          ) : (
            <span className="muted">{t("group.membersCount", { count: conversation.members.length })}</span>
          )}
        </div>
        <div className="chat-actions">
          <CallButtons conversation={conversation} />
          <MeetingButton conversation={conversation} />
        </div>
      </header>
      <MeetingBanner conversation={conversation} />
      <MessageList
        conversation={conversation}
        onReply={(m) => setMode({ kind: "reply", message: m })}
        onEdit={(m) => setMode({ kind: "edit", message: m })}
      />
      <TypingLine conversationId={conversationId} />
      <Composer conversation={conversation} mode={mode} setMode={setMode} />
      {dragging && (
        <div className="drop-overlay" aria-hidden="true">
          {t("chat.dropHere")}
        </div>
      )}
    </section>
  );
}

function PresenceLine({ userId }: { userId: string }) {
  const client = useClient();
  const { t, locale } = useI18n();
  const p = useStore(client.stores.presence, (s) => s[userId]);
  if (!p) return null;
  if (p.online)
    return (
      <span className="muted online-text" data-testid="presence-line">
        {t("chat.online")}
      </span>
    );
  if (!p.lastSeenAt) return null;
  const when = `${dayLabel(p.lastSeenAt, t, locale).toLowerCase()} ${timeLabel(p.lastSeenAt, locale)}`;
  return (
    <span className="muted" data-testid="presence-line">
      {t("chat.lastSeen", { time: when })}
    </span>
  );
}

/** "Ana is typing…"; entries expire on their own, so re-render every second while someone types. */
function TypingLine({ conversationId }: { conversationId: string }) {
  const client = useClient();
  const { t } = useI18n();
  const state = useStore(client.stores.typing, (s) => s[conversationId]);
  const conversation = useStore(client.stores.conversations, (s) => s[conversationId]);
  const [now, setNow] = useState(Date.now);
  const active = Object.entries(state ?? {}).filter(([, until]) => until > now);
  useEffect(() => {
    if (!state || Object.keys(state).length === 0) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    setNow(Date.now());
    return () => clearInterval(timer);
  }, [state]);
  const names = active.map(([id]) => conversation?.members.find((m) => m.user.id === id)?.user.displayName ?? "…");
  const text = typingText(names, t);
  return (
    <div className="typing" aria-live="polite" data-testid="typing-indicator">
      {text}
    </div>
  );
}
