import type { Conversation } from "@messenger/protocol";
import { type DragEvent, useEffect, useRef, useState } from "react";
import { CallButtons, MeetingBanner, MeetingButton } from "../calls/index.js";
import { useI18n } from "../i18n";
import { Avatar, GroupAvatar } from "./Avatar";
import { Composer } from "./Composer";
import { ConversationSettings } from "./ConversationSettings";
import type { ComposerMode } from "./composer-mode";
import { conversationTitle, dayLabel, errorText, membersCountText, otherMember, timeLabel, typingText } from "./format";
import { useClient, useStore } from "./hooks";
import { Icon } from "./Icon";
import { MembersDialog } from "./MembersDialog";
import { MessageList } from "./MessageList";
import { NotificationMenu } from "./NotificationMenu";
import { openConversation } from "./navigation";
import { PinsButton } from "./PinsPanel";
import { usePeople } from "./people";
import { MessageResults, moveBetweenResults } from "./search";

export function ChatView({ conversationId }: { conversationId: string }) {
  const client = useClient();
  const { t } = useI18n();
  const conversation = useStore(client.stores.conversations, (s) => s[conversationId]);
  const [mode, setMode] = useState<ComposerMode>({ kind: "new" });
  const [dragging, setDragging] = useState(false);
  const [searching, setSearching] = useState(false);
  // Kept while the panel is closed, so reopening it shows the same results.
  const [searchQuery, setSearchQuery] = useState("");
  const [showMembers, setShowMembers] = useState(false);
  const [showSettings, setShowSettings] = useState(false);
  const searchButton = useRef<HTMLButtonElement>(null);

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
            <button
              type="button"
              className="members-button muted"
              data-testid="members-button"
              title={t("members.open")}
              aria-haspopup="dialog"
              onClick={() => setShowMembers(true)}
            >
              {membersCountText(conversation.memberCount, t)}
            </button>
          )}
          {conversation.topic && (
            <span className="chat-topic" data-testid="chat-topic" title={conversation.topic}>
              {conversation.topic}
            </span>
          )}
        </div>
        <div className="chat-actions">
          <button
            ref={searchButton}
            type="button"
            className="icon-button"
            aria-label={t("search.open")}
            title={t("search.open")}
            aria-expanded={searching}
            onClick={() => setSearching((v) => !v)}
          >
            <Icon name="search" />
          </button>
          <PinsButton conversation={conversation} />
          <NotificationMenu conversation={conversation} />
          {conversation.kind === "group" && (
            <button
              type="button"
              className="icon-button"
              aria-label={t("convSettings.open")}
              title={t("convSettings.open")}
              aria-haspopup="dialog"
              onClick={() => setShowSettings(true)}
            >
              <Icon name="edit" />
            </button>
          )}
          <CallButtons conversation={conversation} />
          <MeetingButton conversation={conversation} />
        </div>
      </header>
      {searching && (
        <ConversationSearch
          conversation={conversation}
          query={searchQuery}
          setQuery={setSearchQuery}
          onClose={() => {
            setSearching(false);
            searchButton.current?.focus();
          }}
        />
      )}
      <ShowMessageProblem conversationId={conversationId} />
      <MeetingBanner conversation={conversation} />
      <MessageList
        conversation={conversation}
        onReply={(m) => setMode({ kind: "reply", message: m })}
        onEdit={(m) => setMode({ kind: "edit", message: m })}
      />
      <TypingLine conversationId={conversationId} />
      {conversation.archived ? (
        <p className="archived-notice" role="status" data-testid="archived-notice">
          {t("chat.archived")}
        </p>
      ) : (
        <Composer conversation={conversation} mode={mode} setMode={setMode} />
      )}
      {showSettings && <ConversationSettings conversation={conversation} onClose={() => setShowSettings(false)} />}
      {showMembers && conversation.kind === "group" && (
        <MembersDialog conversation={conversation} onClose={() => setShowMembers(false)} />
      )}
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
  const userOf = usePeople();
  const names = active.map(([id]) => userOf(conversation, id)?.displayName ?? "…");
  const text = typingText(names, t);
  return (
    <div className="typing" aria-live="polite" data-testid="typing-indicator">
      {text}
    </div>
  );
}

/** Search within the open conversation: a field under the header, results below it; Esc closes. */
function ConversationSearch({
  conversation,
  query,
  setQuery,
  onClose,
}: {
  conversation: Conversation;
  query: string;
  setQuery(q: string): void;
  onClose(): void;
}) {
  const client = useClient();
  const { t } = useI18n();
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    input.current?.focus();
    input.current?.select();
  }, []);
  const title = conversationTitle(conversation, client.me());
  return (
    <search
      className="chat-search"
      onKeyDown={(e) => {
        if (e.key === "Escape") {
          e.stopPropagation();
          onClose();
        }
        moveBetweenResults(e, input.current);
      }}
    >
      <div className="chat-search-bar">
        <input
          ref={input}
          type="search"
          className="search"
          aria-label={t("search.inConversation", { title })}
          placeholder={t("search.inConversation", { title })}
          value={query}
          onChange={(e) => setQuery(e.target.value)}
        />
        <button type="button" className="icon-button" aria-label={t("search.close")} onClick={onClose}>
          <Icon name="close" />
        </button>
      </div>
      {query.trim() && (
        <MessageResults
          query={query}
          conversationId={conversation.id}
          onPick={(m) => {
            onClose();
            void client.showMessage(conversation.id, m);
          }}
        />
      )}
    </search>
  );
}

/** A chosen search result that could not be shown (deleted meanwhile, or no network): say so for a moment. */
function ShowMessageProblem({ conversationId }: { conversationId: string }) {
  const client = useClient();
  const { t } = useI18n();
  const focus = useStore(client.stores.focus);
  const failed = focus?.conversationId === conversationId ? focus.failed : undefined;
  useEffect(() => {
    if (!failed) return;
    const timer = setTimeout(() => client.stores.focus.set(null), 6000);
    return () => clearTimeout(timer);
  }, [failed, client]);
  if (!failed) return null;
  return (
    <p className="show-problem" role="alert">
      {failed.code === "gone" ? t("search.gone") : t("search.showFailed", { message: errorText(failed, t) })}
    </p>
  );
}
