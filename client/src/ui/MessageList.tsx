import type { Conversation, Message } from "@messenger/protocol";
import { useCallback, useMemo, useRef, useState } from "react";
import { Virtuoso, type VirtuosoHandle } from "react-virtuoso";
import { useI18n } from "../i18n";
import { emptyTimeline, type PendingSend } from "../stores/messages";
import { continuesGroup, conversationTitle } from "./format";
import { useClient, useStore } from "./hooks";
import { MessageItem, PendingItem } from "./MessageItem";

type Row =
  | { kind: "message"; message: Message; prev?: Message }
  | { kind: "pending"; pending: PendingSend; prev?: Message };

function ListHeader({ context }: { context?: { text: string } }) {
  return <div className="list-header">{context?.text}</div>;
}

/** Large enough that prepending older pages never reaches zero. */
const FIRST_INDEX = 1_000_000;

export function MessageList({
  conversation,
  onReply,
  onEdit,
}: {
  conversation: Conversation;
  onReply(m: Message): void;
  onEdit(m: Message): void;
}) {
  const client = useClient();
  const { t } = useI18n();
  const me = client.me();
  const tl = useStore(client.stores.messages, (s) => s[conversation.id] ?? emptyTimeline);
  const ref = useRef<VirtuosoHandle>(null);
  const [highlight, setHighlight] = useState<string | null>(null);
  const [loadingOlder, setLoadingOlder] = useState(false);

  const rows = useMemo<Row[]>(() => {
    const out: Row[] = [];
    let prev: Message | undefined;
    for (const m of tl.messages) {
      out.push({ kind: "message", message: m, prev });
      prev = m;
    }
    for (const p of tl.pending) out.push({ kind: "pending", pending: p, prev });
    return out;
  }, [tl]);

  // The last of my messages gets the "Seen" / "Seen by" line.
  const lastMine = useMemo(() => {
    for (let i = tl.messages.length - 1; i >= 0; i--) if (tl.messages[i]!.senderId === me) return tl.messages[i]!.id;
    return null;
  }, [tl, me]);

  const jumpTo = useCallback(
    async (messageId: string) => {
      if (!(await client.ensureLoaded(conversation.id, messageId))) return;
      // Let React render the loaded rows before scrolling to them.
      requestAnimationFrame(() => {
        const idx = client.stores.messages.timeline(conversation.id).messages.findIndex((m) => m.id === messageId);
        if (idx >= 0) ref.current?.scrollToIndex({ index: idx, align: "center", behavior: "smooth" });
        setHighlight(messageId);
        setTimeout(() => setHighlight((h) => (h === messageId ? null : h)), 2000);
      });
    },
    [client, conversation.id],
  );

  if (!tl.loaded) return <div className="messages loading" aria-busy="true" />;
  if (rows.length === 0)
    return (
      <div className="messages empty" data-testid="message-list">
        <p className="hint">{t("chat.noMessages")}</p>
      </div>
    );

  return (
    <div className="messages" data-testid="message-list" role="log" aria-label={conversationTitle(conversation, me)}>
      <Virtuoso
        ref={ref}
        data={rows}
        firstItemIndex={FIRST_INDEX - tl.prepended}
        initialTopMostItemIndex={{ index: "LAST", align: "end" }}
        increaseViewportBy={{ top: 600, bottom: 300 }}
        computeItemKey={(_, row) =>
          row.kind === "pending"
            ? `c:${row.pending.clientId}`
            : row.message.senderId === me
              ? `c:${row.message.clientId}`
              : row.message.id
        }
        startReached={() => {
          if (!tl.hasMoreBefore || loadingOlder) return;
          setLoadingOlder(true);
          void client
            .loadOlder(conversation.id)
            .catch(() => undefined)
            .finally(() => setLoadingOlder(false));
        }}
        followOutput={(atBottom) => {
          const last = rows.at(-1);
          if (last?.kind === "pending") return "auto";
          return atBottom ? "smooth" : false;
        }}
        context={{ text: tl.hasMoreBefore ? (loadingOlder ? t("chat.loadingOlder") : "") : t("chat.beginning") }}
        components={{ Header: ListHeader }}
        itemContent={(_, row) =>
          row.kind === "message" ? (
            <MessageItem
              message={row.message}
              prev={row.prev}
              grouped={continuesGroup(row.prev, row.message)}
              conversation={conversation}
              showReceipt={row.message.id === lastMine}
              highlighted={highlight === row.message.id}
              onReply={onReply}
              onEdit={onEdit}
              onJump={jumpTo}
            />
          ) : (
            <PendingItem pending={row.pending} prev={row.prev} conversation={conversation} />
          )
        }
      />
    </div>
  );
}
