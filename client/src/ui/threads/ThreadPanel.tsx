// A thread beside its conversation (full screen on a phone): the root, its replies in seq order, the
// replies still being sent, and a composer of its own. Replies come from the thread's page and from
// the conversation's timeline (live events, acks and catch-up all land there), merged by seq.
import type { Conversation, Message } from "@messenger/protocol";
import { type KeyboardEvent, useEffect, useMemo, useRef, useState } from "react";
import { useI18n } from "../../i18n";
import { emptyTimeline } from "../../stores/messages";
import { emptyThread, mergeReplies } from "../../stores/threads";
import { Avatar } from "../Avatar";
import { timeLabel } from "../format";
import { useClient, useStore } from "../hooks";
import { Icon } from "../Icon";
import { MessageAttachments } from "../MessageAttachments";
import { Body } from "../MessageBody";
import { usePeople } from "../people";
import { repliesText } from "./ThreadSummary";
import "./rich.css";

/** The open thread of this conversation, if any. */
export function ThreadPanel({ conversationId }: { conversationId: string }) {
  const client = useClient();
  const open = useStore(client.stores.openThread);
  const conversation = useStore(client.stores.conversations, (s) => s[conversationId]);
  if (!open || open.conversationId !== conversationId || !conversation) return null;
  return <ThreadView key={open.rootId} conversation={conversation} rootId={open.rootId} />;
}

function ThreadView({ conversation, rootId }: { conversation: Conversation; rootId: string }) {
  const client = useClient();
  const { t } = useI18n();
  const view = useStore(client.stores.threads, (s) => s[rootId]);
  const tl = useStore(client.stores.messages, (s) => s[conversation.id] ?? emptyTimeline);
  const root = view?.root ?? tl.messages.find((m) => m.id === rootId) ?? null;
  const replies = useMemo(
    () =>
      mergeReplies(
        view ?? emptyThread(conversation.id),
        tl.messages.filter((m) => m.threadRootId === rootId),
      ).replies,
    [view, tl.messages, rootId, conversation.id],
  );
  const pending = tl.pending.filter((p) => p.threadRootId === rootId);
  const end = useRef<HTMLDivElement>(null);
  const shown = replies.length + pending.length;
  // A new reply (or one being sent) scrolls the thread to its end.
  useEffect(() => {
    if (shown > 0) end.current?.scrollIntoView?.({ block: "end" });
  }, [shown]);
  const close = () => client.closeThread();

  return (
    <aside
      className="thread-panel"
      aria-label={t("thread.title")}
      data-testid="thread-panel"
      data-root-id={rootId}
      onKeyDown={(e) => {
        if (e.key === "Escape") close();
      }}
    >
      <header className="thread-header">
        <h3>{t("thread.title")}</h3>
        <button type="button" className="icon-button" aria-label={t("thread.close")} onClick={close}>
          <Icon name="close" />
        </button>
      </header>
      <div className="thread-messages">
        {root && <ThreadMessage message={root} conversation={conversation} />}
        <p className="thread-count muted" data-testid="thread-count">
          {repliesText(root?.thread?.replyCount ?? replies.length, t)}
        </p>
        {view?.hasMoreBefore && (
          <button type="button" className="link-button" onClick={() => void client.loadOlderReplies(rootId)}>
            {t("thread.loadOlder")}
          </button>
        )}
        {replies.map((m) => (
          <ThreadMessage key={m.seq} message={m} conversation={conversation} reply />
        ))}
        {pending.map((p) => (
          <div key={p.clientId} className="thread-message pending" data-testid="thread-pending">
            <div className="body">{p.body}</div>
            <span className="muted">{p.status === "failed" ? t("thread.failed") : t("thread.sending")}</span>
          </div>
        ))}
        <div ref={end} />
      </div>
      <ThreadComposer conversationId={conversation.id} rootId={rootId} />
    </aside>
  );
}

function ThreadMessage({
  message: m,
  conversation,
  reply,
}: {
  message: Message;
  conversation: Conversation;
  reply?: boolean;
}) {
  const { t, locale } = useI18n();
  const sender = usePeople()(conversation, m.senderId);
  return (
    <div
      className={`thread-message${reply ? "" : " root"}`}
      data-testid={reply ? "thread-reply" : "thread-root"}
      data-id={m.id}
    >
      <div className="thread-message-head">
        {sender && <Avatar user={sender} size={24} />}
        <strong>{sender?.displayName ?? "…"}</strong>
        <time className="muted" dateTime={m.createdAt}>
          {timeLabel(m.createdAt, locale)}
        </time>
      </div>
      {m.deletedAt ? (
        <p className="body deleted">{t("chat.deleted")}</p>
      ) : (
        <>
          {m.attachments.length > 0 && <MessageAttachments items={m.attachments} />}
          {m.body && <Body text={m.body} />}
        </>
      )}
    </div>
  );
}

function ThreadComposer({ conversationId, rootId }: { conversationId: string; rootId: string }) {
  const client = useClient();
  const { t } = useI18n();
  const [text, setText] = useState("");
  const [alsoToConversation, setAlso] = useState(false);
  const input = useRef<HTMLTextAreaElement>(null);
  useEffect(() => input.current?.focus(), []);
  const send = () => {
    if (client.send(conversationId, text, { threadRootId: rootId, alsoToConversation })) {
      setText("");
      setAlso(false);
    }
  };
  const onKey = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      send();
    }
  };
  return (
    <form
      className="thread-composer"
      onSubmit={(e) => {
        e.preventDefault();
        send();
      }}
    >
      <textarea
        ref={input}
        rows={2}
        aria-label={t("thread.placeholder")}
        placeholder={t("thread.placeholder")}
        data-testid="thread-input"
        value={text}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={onKey}
      />
      <div className="thread-composer-row">
        <label className="muted">
          <input type="checkbox" checked={alsoToConversation} onChange={(e) => setAlso(e.target.checked)} />{" "}
          {t("thread.alsoSend")}
        </label>
        <button type="submit" className="primary" disabled={!text.trim()} data-testid="thread-send">
          {t("thread.send")}
        </button>
      </div>
    </form>
  );
}
