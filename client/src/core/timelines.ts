// Loading a conversation's timeline from the server: the newest page, older and newer pages while
// scrolling, the messages around one message (a search result), and catch-up — everything after the
// timeline's contiguous end, page by page, one run at a time per conversation. Every page goes through
// the messages store's merge (deduped and ordered by seq).
import type { ApiError, Message } from "@messenger/protocol";
import { catchUpCursor, lastSeq } from "../stores/messages";
import type { ChatApi } from "./api";
import { RequestError } from "./errors";
import type { ChatStores } from "./stores";

/** Further behind than this, a timeline is dropped and reloaded from the latest page instead of paged through. */
const CATCH_UP_MAX = 500;
const PAGE = 50;
const CATCH_UP_PAGE = 100;
/** Messages shown above the first unread one when a conversation opens there. */
const UNREAD_CONTEXT = 5;

export function createTimelines(deps: {
  api: ChatApi;
  stores: Pick<ChatStores, "messages" | "conversations" | "focus" | "users">;
  /** Messages fetched into the conversation on screen count as read (reading.ts). */
  readingNow: (cid: string) => boolean;
  /** What each catch-up page brought (rich.ts refreshes thread roots whose update was missed). */
  caughtUp?: (cid: string, fetched: readonly Message[]) => void;
}) {
  const { readingNow } = deps;
  const { messages, conversations, focus, users } = deps.stores;
  /** Every page names its authors: remembered, so a former member's messages keep their name. */
  const api = {
    async messages(...args: Parameters<ChatApi["messages"]>) {
      const page = await deps.api.messages(...args);
      users.know(page.users);
      return page;
    },
  };
  const catchingUp = new Map<string, Promise<void>>();
  /** Page requests in flight, one per conversation and direction. */
  const paging = new Set<string>();
  let focusNonce = 0;

  /** Fetches everything after the timeline's contiguous end, page by page. One at a time per conversation. */
  function catchUp(cid: string): Promise<void> {
    const running = catchingUp.get(cid);
    if (running) return running;
    const run = (async () => {
      // A window on older history has nothing to catch up: scrolling down fetches what is newer.
      if (messages.timeline(cid).hasMoreAfter) return;
      const epoch = messages.timeline(cid).epoch;
      const target = conversations.byId(cid)?.lastSeq ?? 0;
      let cursor = catchUpCursor(messages.timeline(cid));
      if (target - cursor > CATCH_UP_MAX) {
        messages.reset(cid);
        await loadLatest(cid);
        return;
      }
      for (;;) {
        const page = await api.messages(cid, { after: cursor, limit: CATCH_UP_PAGE });
        // The timeline was replaced meanwhile (a search result far back): these pages no longer fit it.
        if (messages.timeline(cid).epoch !== epoch) break;
        messages.merge(cid, page.messages);
        for (const m of page.messages) conversations.applyMessage(m, readingNow(cid));
        deps.caughtUp?.(cid, page.messages);
        const next = catchUpCursor(messages.timeline(cid));
        if (!page.hasMore || next <= cursor) break;
        cursor = next;
      }
    })().finally(() => catchingUp.delete(cid));
    catchingUp.set(cid, run);
    return run;
  }

  async function loadLatest(cid: string) {
    const epoch = messages.timeline(cid).epoch;
    const page = await api.messages(cid, { limit: PAGE });
    // A search result was shown meanwhile: its window is what the user asked for.
    if (messages.timeline(cid).epoch !== epoch) return;
    messages.applyPage(cid, page.messages, page.hasMore, "latest");
    // Anything newer than that page that arrived meanwhile is already merged; fill a hole if one opened.
    const c = conversations.byId(cid);
    if (c && c.lastSeq > lastSeq(messages.timeline(cid))) await catchUp(cid);
  }

  /**
   * The page before the first message shown (scrolling up) or after the last one (scrolling down a
   * window on older history). Resolves false when there is nothing more that way.
   */
  async function loadAdjacent(cid: string, direction: "before" | "after"): Promise<boolean> {
    const tl = messages.timeline(cid);
    const edge = direction === "before" ? tl.messages[0] : tl.messages.at(-1);
    const more = direction === "before" ? tl.hasMoreBefore : tl.hasMoreAfter;
    const key = `${direction}:${cid}`;
    if (!tl.loaded || !more || !edge || paging.has(key)) return false;
    paging.add(key);
    try {
      const page = await api.messages(
        cid,
        direction === "before" ? { before: edge.seq, limit: PAGE } : { after: edge.seq, limit: PAGE },
      );
      // The timeline was replaced meanwhile: this page no longer borders it.
      if (messages.timeline(cid).epoch !== tl.epoch) return false;
      messages.applyPage(cid, page.messages, page.hasMore, direction);
      if (direction === "after") await fillToNewest(cid);
      return page.messages.length > 0;
    } finally {
      paging.delete(key);
    }
  }
  const loadOlder = (cid: string) => loadAdjacent(cid, "before");
  const loadNewer = (cid: string) => loadAdjacent(cid, "after");

  /** A window that just reached the newest message: anything that arrived while it could not take it. */
  async function fillToNewest(cid: string) {
    const tl = messages.timeline(cid);
    const c = conversations.byId(cid);
    if (!tl.hasMoreAfter && c && c.lastSeq > lastSeq(tl)) await catchUp(cid);
  }

  /**
   * The messages around `seq` (`before` of them up to and including it, `after` after it: half a page
   * either side unless told), and whether there are more before and after.
   */
  async function fetchAround(cid: string, seq: number, before = PAGE / 2, after = PAGE / 2) {
    const [older, newer] = await Promise.all([
      api.messages(cid, { before: seq + 1, limit: before }),
      api.messages(cid, { after: seq, limit: after }),
    ]);
    return {
      messages: [...older.messages, ...newer.messages],
      hasMoreBefore: older.hasMore,
      hasMoreAfter: newer.hasMore,
    };
  }

  /**
   * Brings one message (a search result) into the timeline and asks the list to show it: in place when
   * it is loaded, by one older page when it is just above, otherwise by loading the history around it
   * (the list then starts over there). Resolves false, and says why in `focus`, when it cannot.
   */
  async function showMessage(cid: string, target: { id: string; seq: number }): Promise<boolean> {
    const loaded = () => !!messages.findById(cid, target.id);
    const show = (failed?: ApiError) =>
      focus.set({ conversationId: cid, messageId: target.id, nonce: ++focusNonce, ...(failed && { failed }) });
    try {
      const tl = messages.timeline(cid);
      const first = tl.messages[0];
      if (!loaded() && tl.loaded && first && target.seq < first.seq && first.seq - target.seq <= PAGE)
        await loadOlder(cid);
      if (!loaded()) {
        const around = await fetchAround(cid, target.seq);
        if (!around.messages.some((m) => m.id === target.id)) {
          show({ code: "gone", message: "message not found" });
          return false;
        }
        // Told before the window is applied, so the list mounts at the message rather than at the end.
        show();
        messages.applyWindow(cid, around.messages, around.hasMoreBefore, around.hasMoreAfter);
        await fillToNewest(cid);
        return true;
      }
      show();
      return true;
    } catch (e) {
      show(e instanceof RequestError ? e.error : { code: "network", message: String(e) });
      return false;
    }
  }

  /**
   * Makes sure the timeline holds `seq` (where the unread messages begin) with a few messages before
   * it: the latest page when it is in there, one older page when it is just above what is loaded,
   * otherwise a window starting just before it (scrolling down pages on to the newest).
   */
  async function loadFrom(cid: string, seq: number) {
    const tl = messages.timeline(cid);
    const newest = conversations.byId(cid)?.lastSeq ?? 0;
    if (!tl.loaded && newest - seq < PAGE - UNREAD_CONTEXT) return loadLatest(cid);
    if (tl.loaded) {
      const first = tl.messages[0];
      if (!first) return;
      const reaches = !tl.hasMoreAfter || seq <= lastSeq(tl);
      if (reaches && (!tl.hasMoreBefore || seq >= first.seq + UNREAD_CONTEXT)) return;
      if (reaches && first.seq - seq <= PAGE - UNREAD_CONTEXT) {
        await loadOlder(cid);
        return;
      }
    }
    const epoch = tl.epoch;
    const around = await fetchAround(cid, seq - 1, UNREAD_CONTEXT, PAGE);
    if (messages.timeline(cid).epoch !== epoch) return;
    messages.applyWindow(cid, around.messages, around.hasMoreBefore, around.hasMoreAfter);
    await fillToNewest(cid);
  }

  /** Leaves a window on older history for the newest messages (unsent ones stay). */
  async function showLatest(cid: string) {
    messages.reset(cid);
    await loadLatest(cid);
  }

  /** Jump to a replied-to message: load older pages until it is in the timeline (bounded). */
  async function ensureLoaded(cid: string, messageId: string): Promise<boolean> {
    for (let i = 0; i < 40; i++) {
      if (messages.findById(cid, messageId)) return true;
      if (!(await loadOlder(cid))) return !!messages.findById(cid, messageId);
    }
    return false;
  }

  return { catchUp, loadLatest, loadFrom, loadOlder, loadNewer, showMessage, showLatest, ensureLoaded };
}
export type Timelines = ReturnType<typeof createTimelines>;
