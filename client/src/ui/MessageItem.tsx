// One message in the timeline: its bubble (reply quote, attachments, text, time, ticks), reactions,
// the actions toolbar (reply, react, edit, delete) and the delete confirmation. Calls are CallLogRow.
import type { Conversation, Message } from "@messenger/protocol";
import { memo, useState } from "react";
import { useI18n } from "../i18n";
import { Avatar } from "./Avatar";
import { useAuthor } from "./authors";
import { CallLogRow } from "./CallLogRow";
import { Dialog } from "./Dialog";
import { sameDay, timeLabel } from "./format";
import { useClient, useStore } from "./hooks";
import { Icon } from "./Icon";
import { renderMentions, useMentionsMe } from "./MentionText";
import { MessageAttachments } from "./MessageAttachments";
import { Body, DaySeparator } from "./MessageBody";
import { plainText } from "./markdown/markdown";
import { ProfileButton } from "./ProfileCard";
import { usePeople } from "./people";
import { ReactionMenu } from "./ReactionMenu";
import { ReceiptLine, Ticks } from "./Receipts";
import { SystemNotice } from "./SystemNotice";
import { MessageExtraActions, MessageExtras } from "./threads/ThreadSummary";

type UserOf = ReturnType<typeof usePeople>;
const senderName = (userOf: UserOf, c: Conversation, id: string) => userOf(c, id)?.displayName ?? "…";

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
  const userOf = usePeople();
  const { user: sender, former } = useAuthor(conversation, m.senderId);
  const deleted = !!m.deletedAt;
  const mentioned = useMentionsMe(m);

  if (m.kind === "call" && m.call) return <CallLogRow message={m} call={m.call} newDay={newDay} />;
  if (m.kind === "system" && m.system) return <SystemNotice message={m} conversation={conversation} newDay={newDay} />;

  const react = (emoji: string) => {
    const on = !m.reactions.some((r) => r.emoji === emoji && r.userIds.includes(me));
    setPicker(false);
    void client.react(m.id, emoji, on).catch(() => undefined);
  };

  return (
    <div
      className={`row${mine ? " mine" : ""}${grouped ? " grouped" : ""}${highlighted ? " highlighted" : ""}${mentioned ? " mentioned" : ""}`}
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
            <ProfileButton user={sender}>
              <Avatar user={sender} size={32} />
            </ProfileButton>
          ) : (
            <span className="avatar-spacer" />
          ))}
        <div className="msg">
          {!mine && !grouped && conversation.kind === "group" && sender && (
            <div className="sender">
              <ProfileButton user={sender}>{sender.displayName}</ProfileButton>
              {sender.deactivated && <span className="badge">{t("profile.deactivated")}</span>}
              {former && <span className="former-member"> · {t("chat.formerMember")}</span>}
            </div>
          )}
          <div className="bubble">
            {m.replyToId && !deleted && (
              <ReplyQuote conversation={conversation} replyToId={m.replyToId} onJump={onJump} />
            )}
            {deleted ? (
              <p className="body deleted">{t("chat.deleted")}</p>
            ) : (
              <>
                {m.attachments.length > 0 && <MessageAttachments items={m.attachments} />}
                {m.body && <Body text={m.body} renderText={renderMentions} />}
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
                const names = r.userIds.map((id) => senderName(userOf, conversation, id)).join(", ");
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
          <MessageExtras message={m} conversation={conversation} />
          {mine && showReceipt && !deleted && <ReceiptLine conversation={conversation} seq={m.seq} messageId={m.id} />}
        </div>
        {!deleted && (
          <div className="actions" role="toolbar" aria-label={t("chat.messageActions")}>
            <button type="button" aria-label={t("chat.reply")} title={t("chat.reply")} onClick={() => onReply(m)}>
              <Icon name="reply" size={16} />
            </button>
            <MessageExtraActions message={m} />
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
            {picker && <ReactionMenu onPick={react} onClose={() => setPicker(false)} />}
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
  const userOf = usePeople();
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
          <strong>{senderName(userOf, conversation, original.senderId)}</strong>
          <span>
            {original.deletedAt ? t("chat.deleted") : plainText(original.body) || (original.attachments[0]?.name ?? "")}
          </span>
        </>
      ) : (
        <span className="muted">{t("chat.jumpToOriginal")}</span>
      )}
    </button>
  );
}
