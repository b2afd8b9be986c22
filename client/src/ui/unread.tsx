// Unread in the open conversation: the "New messages" line where they begin, the bar above the list
// ("Jump to first unread", "Mark as read"), and telling the client core which messages the user has
// actually seen (an IntersectionObserver on the rows) so the read position follows the scrolling.
import type { Conversation } from "@messenger/protocol";
import { type ReactNode, useCallback, useEffect, useMemo, useRef } from "react";
import type { ChatClient } from "../core/client";
import { useI18n } from "../i18n";
import "./channels.css";

/** A row counts as seen once this much of it is on screen (or it fills half the screen). */
const SEEN_RATIO = 0.6;

/**
 * Reports to the client what the list shows: the newest message seen on screen while the page is
 * visible, and whether the list is at the newest message of all. Returns the ref for each message
 * row (`data-seq` on it) and the callback for the list's at-bottom state.
 */
export function useReadTracking(client: ChatClient, conversationId: string, latestWindow: boolean, newestSeq: number) {
  const visible = useRef(new Map<Element, number>());
  const atBottom = useRef(false);
  const latest = useRef(latestWindow);
  latest.current = latestWindow;
  const newest = useRef(newestSeq);
  newest.current = newestSeq;

  const report = useCallback(() => {
    let seq = 0;
    for (const s of visible.current.values()) if (s > seq) seq = s;
    // At the end only once the newest message is really on screen (the list may say "at the bottom"
    // for a moment while it is still moving to where it starts).
    const atEnd = atBottom.current && latest.current && seq >= newest.current;
    if (seq > 0 || atEnd) client.shown(conversationId, { seq, atEnd });
  }, [client, conversationId]);

  const observer = useMemo(
    () =>
      typeof IntersectionObserver === "undefined"
        ? null
        : new IntersectionObserver(
            (entries) => {
              for (const e of entries) {
                const seq = Number((e.target as HTMLElement).dataset.seq);
                const screen = e.rootBounds?.height ?? window.innerHeight;
                const seen =
                  e.isIntersecting &&
                  (e.intersectionRatio >= SEEN_RATIO || e.intersectionRect.height >= screen * SEEN_RATIO);
                if (seen && seq > 0) visible.current.set(e.target, seq);
                else visible.current.delete(e.target);
              }
              report();
            },
            { threshold: [0, SEEN_RATIO, 1] },
          ),
    [report],
  );

  useEffect(() => {
    const map = visible.current;
    return () => {
      observer?.disconnect();
      map.clear();
      client.shown(conversationId, null);
    };
  }, [observer, client, conversationId]);

  const observe = useCallback(
    (el: HTMLElement | null) => {
      if (!el || !observer) return;
      observer.observe(el);
      return () => {
        observer.unobserve(el);
        visible.current.delete(el);
      };
    },
    [observer],
  );

  const onAtBottom = useCallback(
    (bottom: boolean) => {
      atBottom.current = bottom;
      report();
    },
    [report],
  );
  // A window on older history that reaches the newest: at the bottom is now the end.
  // biome-ignore lint/correctness/useExhaustiveDependencies: re-report when the window changes
  useEffect(() => report(), [latestWindow, report]);

  return { observe, onAtBottom };
}

/** One message row, watched for being seen. */
export function SeenRow({
  seq,
  observe,
  children,
}: {
  seq: number;
  observe(el: HTMLElement | null): (() => void) | undefined;
  children: ReactNode;
}) {
  return (
    <div ref={observe} data-seq={seq}>
      {children}
    </div>
  );
}

export function UnreadDivider() {
  const { t } = useI18n();
  return (
    <div className="unread-divider" data-testid="unread-divider">
      <span>{t("unread.divider")}</span>
    </div>
  );
}

/** Above the list while something is unread: how many, jump to where they begin, or mark all read. */
export function UnreadBar({
  conversation,
  onJump,
  onMarkRead,
}: {
  conversation: Conversation;
  onJump(): void;
  onMarkRead(): void;
}) {
  const { t } = useI18n();
  const count = conversation.unreadCount;
  if (count === 0) return null;
  return (
    <div className="unread-bar" data-testid="unread-bar" role="status">
      <span>{t(count === 1 ? "unread.count.one" : "unread.count", { count })}</span>
      <button type="button" className="link-button" onClick={onJump}>
        {t("unread.jump")}
      </button>
      <button type="button" className="link-button" onClick={onMarkRead}>
        {t("unread.markRead")}
      </button>
    </div>
  );
}
