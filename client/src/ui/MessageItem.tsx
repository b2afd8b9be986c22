import type { Attachment, Conversation, Message } from "@messenger/protocol";
import { memo, useState } from "react";
import { useI18n } from "../i18n";
import { deliveryStatus, seenBy } from "../stores/conversations";
import type { PendingSend } from "../stores/messages";
import { Avatar } from "./Avatar";
import { Dialog } from "./Dialog";
import { dayLabel, formatBytes, formatDuration, linkify, sameDay, timeLabel } from "./format";
import { useClient, useStore } from "./hooks";
import { Icon } from "./Icon";

export const QUICK_REACTIONS = ["👍", "❤️", "😂", "😮", "😢", "🎉"];

function DaySeparator({ iso }: { iso: string }) {
  const { t, locale } = useI18n();
  return (
    <div className="day-separator" data-testid="day-separator">
      <span>{dayLabel(iso, t, locale)}</span>
    </div>
  );
}

/** Message text: plain text nodes and links. Never HTML. */
export function Body({ text }: { text: string }) {
  return (
    <p className="body" data-testid="message-body">
      {linkify(text).map((part, i) =>
        part.kind === "link" ? (
          // biome-ignore lint/suspicious/noArrayIndexKey: parts of one immutable string
          <a key={i} href={part.href} target="_blank" rel="noopener noreferrer nofollow">
            {part.text}
          </a>
        ) : (
          part.text
        ),
      )}
    </p>
  );
}

function senderName(c: Conversation, id: string) {
  return c.members.find((m) => m.user.id === id)?.user.displayName ?? "…";
}

interface ItemProps {
  message: Message;
  prev?: Message;
  grouped: boolean;
  conversation: Conversation;
  showReceipt: boolean;
  highlighted: boolean;
  onReply(m: Message): void;
  onEdit(m: Message): void;
  onJump(id: string): void;
}

export const MessageItem = memo(function MessageItem({
  message: m,
  prev,
  grouped,
  conversation,
  showReceipt,
  highlighted,
  onReply,
  onEdit,
  onJump,
}: ItemProps) {
  const client = useClient();
  const { t, locale } = useI18n();
  const me = client.me();
  const mine = m.senderId === me;
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [picker, setPicker] = useState(false);
  const newDay = !prev || !sameDay(prev.createdAt, m.createdAt);
  const sender = conversation.members.find((x) => x.user.id === m.senderId)?.user;
  const deleted = !!m.deletedAt;

  if (m.kind === "call" && m.call) {
    const c = m.call;
    const label =
      c.outcome === "missed"
        ? t("call.missed")
        : c.outcome === "declined"
          ? t("call.declined")
          : c.outcome === "busy"
            ? t("call.busy")
            : c.outcome === "failed"
              ? t("call.failed")
              : c.video
                ? t("call.video")
                : t("call.audio");
    return (
      <div className="row" data-testid="message" data-seq={m.seq} data-kind="call">
        {newDay && <DaySeparator iso={m.createdAt} />}
        <div className="call-log">
          <Icon name="phone" size={14} /> {label}
          {c.durationMs >= 1000 && ` · ${formatDuration(c.durationMs)}`} · {timeLabel(m.createdAt, locale)}
        </div>
      </div>
    );
  }

  const react = (emoji: string) => {
    const on = !m.reactions.some((r) => r.emoji === emoji && r.userIds.includes(me));
    setPicker(false);
    void client.react(m.id, emoji, on).catch(() => undefined);
  };

  return (
    <div
      className={`row${mine ? " mine" : ""}${grouped ? " grouped" : ""}${highlighted ? " highlighted" : ""}`}
      data-testid="message"
      data-seq={m.seq}
      data-id={m.id}
      data-mine={mine}
    >
      {newDay && <DaySeparator iso={m.createdAt} />}
      <div className="msg-line">
        {!mine &&
          (grouped ? (
            <span className="avatar-spacer" />
          ) : sender ? (
            <Avatar user={sender} size={32} />
          ) : (
            <span className="avatar-spacer" />
          ))}
        <div className="msg">
          {!mine && !grouped && conversation.kind === "group" && <div className="sender">{sender?.displayName}</div>}
          <div className="bubble">
            {m.replyToId && !deleted && (
              <ReplyQuote conversation={conversation} replyToId={m.replyToId} onJump={onJump} />
            )}
            {deleted ? (
              <p className="body deleted">{t("chat.deleted")}</p>
            ) : (
              <>
                {m.attachments.length > 0 && <Attachments items={m.attachments} />}
                {m.body && <Body text={m.body} />}
              </>
            )}
            <span className="meta">
              {m.editedAt && !deleted && <span className="edited">{t("chat.edited")}</span>}
              <time dateTime={m.createdAt}>{timeLabel(m.createdAt, locale)}</time>
              {mine && !deleted && <Ticks conversation={conversation} seq={m.seq} />}
            </span>
          </div>
          {m.reactions.length > 0 && !deleted && (
            <div className="reactions">
              {m.reactions.map((r) => {
                const names = r.userIds.map((id) => senderName(conversation, id)).join(", ");
                return (
                  <button
                    key={r.emoji}
                    type="button"
                    className={`reaction${r.userIds.includes(me) ? " own" : ""}`}
                    aria-pressed={r.userIds.includes(me)}
                    aria-label={t("chat.reactedBy", { emoji: r.emoji, names })}
                    title={names}
                    data-testid="reaction"
                    onClick={() => react(r.emoji)}
                  >
                    {r.emoji} {r.userIds.length}
                  </button>
                );
              })}
            </div>
          )}
          {mine && showReceipt && !deleted && <ReceiptLine conversation={conversation} seq={m.seq} />}
        </div>
        {!deleted && (
          <div className="actions" role="toolbar" aria-label={t("chat.messageActions")}>
            <button type="button" aria-label={t("chat.reply")} title={t("chat.reply")} onClick={() => onReply(m)}>
              <Icon name="reply" size={16} />
            </button>
            <button
              type="button"
              aria-label={t("chat.react")}
              title={t("chat.react")}
              aria-expanded={picker}
              onClick={() => setPicker(!picker)}
            >
              <Icon name="smile" size={16} />
            </button>
            {mine && m.body && (
              <button type="button" aria-label={t("chat.edit")} title={t("chat.edit")} onClick={() => onEdit(m)}>
                <Icon name="edit" size={16} />
              </button>
            )}
            {mine && (
              <button
                type="button"
                aria-label={t("chat.delete")}
                title={t("chat.delete")}
                onClick={() => setConfirmDelete(true)}
              >
                <Icon name="trash" size={16} />
              </button>
            )}
            {picker && (
              <div className="reaction-picker" role="menu">
                {QUICK_REACTIONS.map((e) => (
                  <button key={e} type="button" role="menuitem" aria-label={e} onClick={() => react(e)}>
                    {e}
                  </button>
                ))}
              </div>
            )}
          </div>
        )}
      </div>
      {confirmDelete && (
        <Dialog label={t("chat.delete")} onClose={() => setConfirmDelete(false)}>
          <p>{t("chat.deleteConfirm")}</p>
          <div className="dialog-actions">
            <button type="button" onClick={() => setConfirmDelete(false)}>
              {t("chat.cancel")}
            </button>
            <button
              type="button"
              className="danger"
              onClick={() => {
                setConfirmDelete(false);
                void client.remove(m.id).catch(() => undefined);
              }}
            >
              {t("chat.delete")}
            </button>
          </div>
        </Dialog>
      )}
    </div>
  );
});

function Ticks({ conversation, seq }: { conversation: Conversation; seq: number }) {
  const client = useClient();
  const { t } = useI18n();
  const status = deliveryStatus(conversation, seq, client.me());
  return (
    <span
      role="img"
      className={`ticks ${status}`}
      data-testid="message-status"
      data-status={status}
      aria-label={t(`status.${status}`)}
      title={t(`status.${status}`)}
    >
      {status === "sent" ? "✓" : "✓✓"}
    </span>
  );
}

function ReceiptLine({ conversation, seq }: { conversation: Conversation; seq: number }) {
  const client = useClient();
  const { t } = useI18n();
  const me = client.me();
  if (conversation.kind === "direct") {
    return deliveryStatus(conversation, seq, me) === "seen" ? (
      <div className="receipt" data-testid="seen-receipt">
        {t("status.seen")}
      </div>
    ) : null;
  }
  const readers = seenBy(conversation, seq, me);
  if (readers.length === 0) return null;
  return (
    <div
      className="receipt"
      data-testid="seen-receipt"
      role="note"
      aria-label={t("status.seenBy", { names: readers.map((u) => u.displayName).join(", ") })}
    >
      {readers.slice(0, 5).map((u) => (
        <span key={u.id} title={u.displayName}>
          <Avatar user={u} size={16} />
        </span>
      ))}
      <span className="muted">{t("status.seenBy", { names: readers.map((u) => u.displayName).join(", ") })}</span>
    </div>
  );
}

function ReplyQuote({
  conversation,
  replyToId,
  onJump,
}: {
  conversation: Conversation;
  replyToId: string;
  onJump(id: string): void;
}) {
  const client = useClient();
  const { t } = useI18n();
  const original = useStore(client.stores.messages, (s) =>
    s[conversation.id]?.messages.find((m) => m.id === replyToId),
  );
  return (
    <button
      type="button"
      className="quote"
      aria-label={t("chat.jumpToOriginal")}
      data-testid="reply-quote"
      onClick={() => onJump(replyToId)}
    >
      {original ? (
        <>
          <strong>{senderName(conversation, original.senderId)}</strong>
          <span>{original.deletedAt ? t("chat.deleted") : original.body || (original.attachments[0]?.name ?? "")}</span>
        </>
      ) : (
        <span className="muted">{t("chat.jumpToOriginal")}</span>
      )}
    </button>
  );
}

export function Attachments({ items }: { items: Attachment[] }) {
  return (
    <div className="attachments">
      {items.map((a) => (
        <AttachmentView key={a.id} a={a} />
      ))}
    </div>
  );
}

function AttachmentView({ a }: { a: Attachment }) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  const ratio = a.width && a.height ? `${a.width} / ${a.height}` : undefined;
  if (a.kind === "image") {
    return (
      <>
        <button
          type="button"
          className="image-thumb"
          aria-label={t("media.open", { name: a.name })}
          onClick={() => setOpen(true)}
        >
          <img
            src={a.thumbnailUrl ?? a.url}
            alt={a.name}
            loading="lazy"
            decoding="async"
            style={{ aspectRatio: ratio }}
            data-testid="image-thumbnail"
          />
        </button>
        {open && (
          <Dialog label={a.name} onClose={() => setOpen(false)} className="viewer">
            <img src={a.url} alt={a.name} data-testid="image-full" />
            <div className="dialog-actions">
              <a href={a.url} download={a.name}>
                {t("media.download")}
              </a>
              <button type="button" onClick={() => setOpen(false)}>
                {t("media.close")}
              </button>
            </div>
          </Dialog>
        )}
      </>
    );
  }
  if (a.kind === "video") {
    if (a.status === "processing")
      return (
        <div className="video-processing" data-testid="video-processing" style={{ aspectRatio: ratio ?? "16 / 9" }}>
          <span className="spinner" aria-hidden="true" /> {t("media.processing")}
        </div>
      );
    if (a.status === "failed") return <div className="video-failed">{t("media.failed")}</div>;
    return (
      // biome-ignore lint/a11y/useMediaCaption: user-shared clips carry no caption track
      <video
        className="video"
        controls
        preload="metadata"
        poster={a.thumbnailUrl}
        src={a.url}
        style={{ aspectRatio: ratio }}
        data-testid="video"
      />
    );
  }
  if (a.kind === "audio") {
    // biome-ignore lint/a11y/useMediaCaption: user-shared audio carries no caption track
    return <audio controls preload="none" src={a.url} />;
  }
  return (
    <a className="file" href={a.url} download={a.name} data-testid="file-attachment">
      📎 {a.name} <span className="muted">{formatBytes(a.size)}</span>
    </a>
  );
}

export function PendingItem({
  pending: p,
  prev,
  conversation,
}: {
  pending: PendingSend;
  prev?: Message;
  conversation: Conversation;
}) {
  const client = useClient();
  const { t, locale } = useI18n();
  const newDay = !prev || !sameDay(prev.createdAt, p.createdAt);
  const failed = p.status === "failed";
  const actions = (retryLabel: string) => (
    <>
      <button type="button" className="link" onClick={() => client.retry(conversation.id, p.clientId)}>
        {retryLabel}
      </button>
      <button type="button" className="link" onClick={() => client.discard(conversation.id, p.clientId)}>
        {t("status.discard")}
      </button>
    </>
  );
  return (
    <div
      className={`row mine${failed ? " failed" : " pending"}`}
      data-testid="message"
      data-pending="true"
      data-client-id={p.clientId}
    >
      {newDay && <DaySeparator iso={p.createdAt} />}
      <div className="msg-line">
        <div className="msg">
          <div className="bubble">
            {p.replyToId && (
              <div className="quote">
                <span className="muted">↩</span>
              </div>
            )}
            {p.attachments.length > 0 && <Attachments items={p.attachments} />}
            {p.body && <Body text={p.body} />}
            <span className="meta">
              <time dateTime={p.createdAt}>{timeLabel(p.createdAt, locale)}</time>
              <span
                role="img"
                className="ticks"
                data-testid="message-status"
                data-status={p.status}
                aria-label={failed ? t("status.failed") : t("status.pending")}
                title={failed ? t("status.failed") : t("status.pending")}
              >
                <Icon name={failed ? "alert" : "clock"} size={12} />
              </span>
            </span>
          </div>
          {/* Turned away for a passing reason: it goes again by itself; the user may hurry it or drop it. */}
          {!failed && p.error && (
            <div className="waiting-line" role="status" data-testid="message-waiting">
              {t("status.waiting")}
              {actions(t("status.retryNow"))}
            </div>
          )}
          {failed && (
            <div className="failed-line" role="alert">
              {t("status.failed")}
              {p.error?.message ? `: ${p.error.message}` : ""}
              {actions(t("status.retry"))}
            </div>
          )}
        </div>
      </div>
    </div>
  );
}
