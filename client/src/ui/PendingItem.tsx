// A message of mine not yet acked: pending, waiting to go again (Retry now / Discard) or failed
// (Retry / Discard). It becomes a MessageItem when the server's copy arrives.
import type { Conversation, Message } from "@messenger/protocol";
import { useI18n } from "../i18n";
import type { PendingSend } from "../stores/messages";
import { sameDay, timeLabel } from "./format";
import { useClient } from "./hooks";
import { Icon } from "./Icon";
import { renderMentions } from "./MentionText";
import { MessageAttachments } from "./MessageAttachments";
import { Body, DaySeparator } from "./MessageBody";

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
            {p.attachments.length > 0 && <MessageAttachments items={p.attachments} />}
            {p.body && <Body text={p.body} renderText={renderMentions} />}
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
