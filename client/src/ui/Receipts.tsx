// What became of my message: ticks in the bubble (sent, delivered, seen) and the line under the last
// one ("Seen", or "Seen by …" with avatars in a group, "Seen by N" in a big one).
import type { Conversation } from "@messenger/protocol";
import { useI18n } from "../i18n";
import { deliveryStatus, seenBy } from "../stores/conversations";
import { Avatar } from "./Avatar";
import { useClient } from "./hooks";
import { SeenByCount } from "./SeenBy";

export function Ticks({ conversation, seq }: { conversation: Conversation; seq: number }) {
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

export function ReceiptLine({
  conversation,
  seq,
  messageId,
}: {
  conversation: Conversation;
  seq: number;
  messageId: string;
}) {
  const client = useClient();
  const { t } = useI18n();
  const me = client.me();
  // A big group: no member list here, so the server counts (GET …/receipts).
  if (conversation.large) return <SeenByCount conversationId={conversation.id} messageId={messageId} />;
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
