import type { Conversation, Message } from "@messenger/protocol";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { Virtuoso, type VirtuosoHandle } from "react-virtuoso";
import { useI18n } from "../i18n";
import { emptyTimeline, type PendingSend } from "../stores/messages";
import { isThreadOnly } from "../stores/threads";
import { continuesGroup, conversationTitle } from "./format";
import { useClient, useStore } from "./hooks";
import { MessageItem } from "./MessageItem";
import { PendingItem } from "./PendingItem";
import { SeenRow, UnreadBar, UnreadDivider, useReadTracking } from "./unread";

type Row =
  | { kind: "message"; message: Message; prev?: Message }
  | { kind: "pending"; pending: PendingSend; prev?: Message };

interface ListContext {
  text: string;
  footer: string;
}

function ListHeader({ context }: { context?: ListContext }) {
  return <div className="list-header">{context?.text}</div>;
}

function ListFooter({ context }: { context?: ListContext }) {
  return context?.footer ? <div className="list-header">{context.footer}</div> : null;
}

/** How long a message brought into view (reply quote, search result) stays highlighted. */
const HIGHLIGHT_MS = 2500;

/** Room above the "New messages" line when the list starts there (the unread bar floats over it). */
const UNREAD_TOP_GAP = 56;

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
  const [loadingNewer, setLoadingNewer] = useState(false);
  const highlightTimer = useRef<ReturnType<typeof setTimeout>>(undefined);
  const flash = useCallback((messageId: string) => {
    setHighlight(messageId);
    clearTimeout(highlightTimer.current);
    highlightTimer.current = setTimeout(() => setHighlight(null), HIGHLIGHT_MS);
  }, []);
  useEffect(() => () => clearTimeout(highlightTimer.current), []);

  // A search result to show: the list (re)mounts with it in the middle of the screen, highlighted.
  // Remounting (a new key) is how a virtualised list is told to start somewhere else.
  const focus = useStore(client.stores.focus);
  const [anchor, setAnchor] = useState<{ messageId: string; nonce: number; epoch: number } | null>(null);
  const pendingFocus =
    focus &&
    focus.conversationId === conversation.id &&
    !focus.failed &&
    tl.messages.some((m) => m.id === focus.messageId)
      ? focus
      : null;
  // Once the timeline is replaced again (back to the newest messages), the list starts at the end again.
  const shownAnchor = pendingFocus ?? (anchor?.epoch === tl.epoch ? anchor : null);
  const anchorIndex = shownAnchor ? tl.messages.findIndex((m) => m.id === shownAnchor.messageId) : -1;
  useEffect(() => {
    if (!pendingFocus) return;
    setAnchor({ messageId: pendingFocus.messageId, nonce: pendingFocus.nonce, epoch: tl.epoch });
    flash(pendingFocus.messageId);
    client.stores.focus.set(null);
  }, [pendingFocus, client, flash, tl.epoch]);

  // The "New messages" line: before the first message at or after where the unread ones began, if
  // the timeline reaches back that far. The list starts there once, when it first shows it.
  const firstUnread = useStore(client.stores.firstUnread, (f) => (f?.conversationId === conversation.id ? f : null));
  const reaches = !!firstUnread && (!tl.hasMoreBefore || (tl.messages[0]?.seq ?? Infinity) <= firstUnread.seq);
  const dividerIndex = reaches ? tl.messages.findIndex((m) => m.seq >= firstUnread.seq) : -1;
  const dividerSeq = dividerIndex >= 0 ? tl.messages[dividerIndex]!.seq : null;
  const startAtUnread = useRef<number | null>(null);
  if (startAtUnread.current === null && firstUnread?.ready && tl.loaded && dividerIndex >= 0)
    startAtUnread.current = tl.epoch;
  const { observe, onAtBottom } = useReadTracking(
    client,
    conversation.id,
    !tl.hasMoreAfter,
    tl.messages.at(-1)?.seq ?? 0,
  );
  const jumpToFirstUnread = useCallback(async () => {
    const from = client.stores.firstUnread.get();
    if (!from || from.conversationId !== conversation.id) return;
    startAtUnread.current = null;
    await client.loadFrom(conversation.id, from.seq).catch(() => undefined);
    requestAnimationFrame(() => {
      const idx = client.stores.messages.timeline(conversation.id).messages.findIndex((m) => m.seq >= from.seq);
      if (idx >= 0) ref.current?.scrollToIndex({ index: idx, align: "start", offset: -UNREAD_TOP_GAP });
    });
  }, [client, conversation.id]);

  const rows = useMemo<Row[]>(() => {
    const out: Row[] = [];
    let prev: Message | undefined;
    for (const m of tl.messages) {
      // Thread replies show in their thread (ThreadPanel), unless also sent to the conversation.
      if (isThreadOnly(m)) continue;
      out.push({ kind: "message", message: m, prev });
      prev = m;
    }
    for (const p of tl.pending) if (!isThreadOnly(p)) out.push({ kind: "pending", pending: p, prev });
    return out;
  }, [tl]);

  // The last of my messages gets the "Seen" / "Seen by" line.
  const lastMine = useMemo(() => {
    for (let i = tl.messages.length - 1; i >= 0; i--) {
      const m = tl.messages[i]!;
      if (m.senderId === me && !isThreadOnly(m)) return m.id;
    }
    return null;
  }, [tl, me]);

  const jumpTo = useCallback(
    async (messageId: string) => {
      if (!(await client.ensureLoaded(conversation.id, messageId))) return;
      // Let React render the loaded rows before scrolling to them.
      requestAnimationFrame(() => {
        const idx = client.stores.messages.timeline(conversation.id).messages.findIndex((m) => m.id === messageId);
        if (idx >= 0) ref.current?.scrollToIndex({ index: idx, align: "center", behavior: "smooth" });
        flash(messageId);
      });
    },
    [client, conversation.id, flash],
  );

  /** One page at a time each way; the flag shows "Loading…" at that end. */
  const loadMore = (load: (cid: string) => Promise<boolean>, busy: boolean, setBusy: (b: boolean) => void) => {
    if (busy) return;
    setBusy(true);
    void load(conversation.id)
      .catch(() => undefined)
      .finally(() => setBusy(false));
  };

  if (!tl.loaded || (firstUnread && !firstUnread.ready)) return <div className="messages loading" aria-busy="true" />;
  if (rows.length === 0)
    return (
      <div className="messages empty" data-testid="message-list">
        <p className="hint">{t("chat.noMessages")}</p>
      </div>
    );

  return (
    <div
      className="messages"
      data-testid="message-list"
      data-window={tl.hasMoreAfter ? "older" : "latest"}
      role="log"
      aria-label={conversationTitle(conversation, me)}
    >
      <Virtuoso
        key={`${tl.epoch}:${shownAnchor?.nonce ?? 0}`}
        ref={ref}
        data={rows}
        firstItemIndex={FIRST_INDEX - tl.prepended}
        initialTopMostItemIndex={
          anchorIndex >= 0
            ? { index: anchorIndex, align: "center" }
            : startAtUnread.current === tl.epoch && dividerIndex >= 0
              ? { index: dividerIndex, align: "start", offset: -UNREAD_TOP_GAP }
              : { index: "LAST", align: "end" }
        }
        atBottomStateChange={onAtBottom}
        increaseViewportBy={{ top: 600, bottom: 300 }}
        computeItemKey={(_, row) =>
          row.kind === "pending"
            ? `c:${row.pending.clientId}`
            : row.message.senderId === me
              ? `c:${row.message.clientId}`
              : row.message.id
        }
        startReached={() => {
          if (tl.hasMoreBefore) loadMore(client.loadOlder, loadingOlder, setLoadingOlder);
        }}
        endReached={() => {
          if (tl.hasMoreAfter) loadMore(client.loadNewer, loadingNewer, setLoadingNewer);
        }}
        followOutput={(atBottom) => {
          // Older history on screen: what arrives now is not below it.
          if (tl.hasMoreAfter) return false;
          const last = rows.at(-1);
          if (last?.kind === "pending") return "auto";
          return atBottom ? "smooth" : false;
        }}
        context={{
          text: tl.hasMoreBefore ? (loadingOlder ? t("chat.loadingOlder") : "") : t("chat.beginning"),
          footer: tl.hasMoreAfter && loadingNewer ? t("chat.loadingNewer") : "",
        }}
        components={{ Header: ListHeader, Footer: ListFooter }}
        itemContent={(_, row) =>
          row.kind === "message" ? (
            <SeenRow seq={row.message.seq} observe={observe}>
              {row.message.seq === dividerSeq && <UnreadDivider />}
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
            </SeenRow>
          ) : (
            <PendingItem pending={row.pending} prev={row.prev} conversation={conversation} />
          )
        }
      />
      <UnreadBar
        conversation={conversation}
        onJump={() => void jumpToFirstUnread()}
        onMarkRead={() => client.markRead(conversation.id)}
      />
      {tl.hasMoreAfter && (
        <button
          type="button"
          className="jump-latest"
          data-testid="jump-latest"
          onClick={() => void client.showLatest(conversation.id).catch(() => undefined)}
        >
          {t("chat.jumpToLatest")} ↓
        </button>
      )}
    </div>
  );
}
