import type {
  ApiError,
  Attachment,
  ClientToServerEvents,
  Conversation,
  ConversationResponse,
  ConversationsResponse,
  Message,
  MessagesResponse,
  SearchResponse,
  ServerToClientEvents,
  User,
  UsersResponse,
} from "@messenger/protocol";
import { UNAUTHORIZED } from "@messenger/protocol";
import { io, type Socket } from "socket.io-client";
import { createConversationsStore, myMember } from "../stores/conversations";
import { catchUpCursor, createMessagesStore, lastSeq, leavesGap, type PendingSend } from "../stores/messages";
import { createPresenceStore } from "../stores/presence";
import { createStore } from "../stores/store";
import { createTypingStore } from "../stores/typing";
import { createUploadsStore } from "../stores/uploads";
import { ACK_TIMEOUT_MS } from "./ack";
import type { Auth, KeyValueStorage } from "./auth";
import { RequestError } from "./errors";
import { UploadError, uploadFile } from "./upload";

export type ChatSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
export type ConnectionState = "connecting" | "connected" | "reconnecting" | "offline";

/** How long a send turned away for a passing reason waits before it goes again: doubling from `firstMs` to `maxMs`. */
export interface SendBackoff {
  firstMs: number;
  maxMs: number;
}
export const SEND_BACKOFF: SendBackoff = { firstMs: 1000, maxMs: 30_000 };
/** Refusals that mean "not now" rather than "never": the send budget is spent, the database is down, no answer. */
const PASSING_SEND_ERRORS = new Set(["rate_limited", "internal", "unavailable", "timeout"]);

/** Further behind than this, a timeline is dropped and reloaded from the latest page instead of paged through. */
const CATCH_UP_MAX = 500;
const PAGE = 50;
const CATCH_UP_PAGE = 100;
/** Re-announce typing this often while the user keeps typing; the indicator expires on the other side otherwise. */
const TYPING_RENEW_MS = 3000;
const TYPING_IDLE_MS = 4000;

/**
 * How long to wait before sending again a message the server has turned away `failures` times in a
 * row, the last time with `error`; null when it should show as failed instead (a refusal that will not
 * pass). Passing reasons are retried for as long as the message is in the outbox: the wait doubles
 * from 1 s up to 30 s, ±20 % so that clients refused together do not all come back together.
 */
export function sendRetryDelay(
  error: ApiError,
  failures: number,
  random: () => number = Math.random,
  backoff: SendBackoff = SEND_BACKOFF,
): number | null {
  if (!PASSING_SEND_ERRORS.has(error.code)) return null;
  const base = Math.min(backoff.firstMs * 2 ** Math.min(failures - 1, 30), backoff.maxMs);
  return Math.round(base * (0.8 + 0.4 * random()));
}

export interface ChatClientOptions {
  auth: Auth;
  /** socket.io / REST origin; "" or undefined = this page's origin. */
  url?: string;
  /** Is the page visible to the user (document.visibilityState)? Reading only counts when it is. */
  isVisible?: () => boolean;
  /** Is the network up (navigator.onLine)? */
  isOnline?: () => boolean;
  /** Where unsent messages are kept across reloads (localStorage in the browser). */
  outboxStorage?: KeyValueStorage;
  /** The wait between attempts of a send turned away for a passing reason (SEND_BACKOFF unless set). */
  sendBackoff?: SendBackoff;
}

/** A message the list should bring into view and highlight (a chosen search result). */
export interface MessageFocus {
  conversationId: string;
  messageId: string;
  /** Distinct for every request, so choosing the same result twice shows it twice. */
  nonce: number;
  /** Set when it could not be shown: `gone` (deleted meanwhile), `network`, or the server's code. */
  failed?: ApiError;
}

/** The conversation on screen went away: I left it, or an admin removed me. */
export interface MembershipNotice {
  conversationId: string;
  title: string;
  reason: "left" | "removed";
}

export interface IncomingEvent {
  message: Message;
  conversation: Conversation;
  sender: User | undefined;
}

/** A message waiting to be sent again after passing refusals (see `sendRetryDelay`). */
interface Backoff {
  clientId: string;
  failures: number;
  /** Set while it waits; the conversation sends nothing else until it fires. */
  timer?: ReturnType<typeof setTimeout>;
}

const newClientId = () =>
  globalThis.crypto?.randomUUID?.() ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;

/**
 * Everything the app knows and does, without React: REST + one socket feeding small stores.
 * Guarantees the UI relies on: every message once, in seq order; sends survive disconnects and
 * refusals that pass (re-sent with the same clientId, in the order written); after any reconnect
 * every conversation is caught up.
 */
export function createChatClient(opts: ChatClientOptions) {
  const { auth } = opts;
  const isVisible = opts.isVisible ?? (() => true);
  const isOnline = opts.isOnline ?? (() => true);
  const me = () => auth.user()?.id ?? "";
  /** Set while the browser reports the network down: we disconnected on purpose and wait for "online". */
  let networkDown = false;
  const networkUp = () => !networkDown && isOnline();

  const conversations = createConversationsStore(me);
  const messages = createMessagesStore();
  const presence = createPresenceStore();
  const typing = createTypingStore();
  const uploads = createUploadsStore();
  const connection = createStore<ConnectionState>("connecting");
  /** The conversation on screen (null: the list). */
  const active = createStore<string | null>(null);
  const listLoaded = createStore(false);
  const focus = createStore<MessageFocus | null>(null);
  let focusNonce = 0;
  const membershipNotice = createStore<MembershipNotice | null>(null);
  /** Conversations I am leaving right now: the server's `conversation:removed` then means "left". */
  const leaving = new Set<string>();

  const incomingListeners = new Set<(e: IncomingEvent) => void>();
  const uploadAborts = new Map<string, () => void>();
  const catchingUp = new Map<string, Promise<void>>();
  /**
   * One send in flight per conversation: the server handles a socket's events concurrently, so
   * messages typed quickly would otherwise get seqs in a different order than they were written.
   */
  const inFlight = new Map<string, { clientId: string }>();
  /**
   * Per conversation: the message the server last turned away for a passing reason, how many times in
   * a row, and while it waits the timer that sends it again. Nothing behind it goes out meanwhile, so
   * the conversation keeps the order its messages were written in.
   */
  const backoff = new Map<string, Backoff>();

  /** Read positions this connection has told the server (reset on reconnect, so they are told again). */
  const readTold = new Map<string, number>();
  const typingState = new Map<string, { sentAt: number; idle?: ReturnType<typeof setTimeout> }>();

  const socket: ChatSocket = io(opts.url ?? "", {
    autoConnect: false,
    transports: ["websocket", "polling"],
    // A function, so every (re)connect presents the latest access token.
    auth: (cb) => cb({ token: auth.accessToken() ?? "" }),
    reconnectionDelay: 500,
    reconnectionDelayMax: 5000,
  });

  // ---- socket lifecycle ---------------------------------------------------------------

  socket.on("connect", () => {
    connection.set("connected");
    void resync();
  });
  socket.on("disconnect", (reason) => {
    readTold.clear();
    // Acks of this connection will never come; the reconnect re-sends (same clientIds). A message
    // waiting out a backoff keeps waiting: its timer, not the reconnect, sends it.
    inFlight.clear();
    connection.set(networkUp() ? "reconnecting" : "offline");
    // The server closed us (token expired mid-session, or a deploy): come back with a fresh token.
    if (reason === "io server disconnect") void reconnectWithFreshToken();
  });
  socket.on("connect_error", (err) => {
    connection.set(networkUp() ? "reconnecting" : "offline");
    if (err.message === UNAUTHORIZED) void reconnectWithFreshToken();
    else if (!socket.active) setTimeout(() => socket.connect(), 2000);
  });

  // Every refreshed access token goes to the open socket too: the server closes a socket when
  // the token it holds expires, so without this it would drop and reconnect every 15 minutes.
  let tokenTold = auth.accessToken();
  socket.on("connect", () => {
    tokenTold = auth.accessToken();
  });
  const stopTokenWatch = auth.session.subscribe(() => {
    const token = auth.accessToken();
    if (!token || token === tokenTold || !socket.connected) return;
    tokenTold = token;
    socket.emit("auth:refresh", { token }, () => {});
  });

  async function reconnectWithFreshToken() {
    try {
      if (!(await auth.refresh())) return; // signed out: the app shows the login screen
    } catch {
      // network trouble: try again with the token we have
    }
    if (!socket.connected && networkUp()) socket.connect();
  }

  // ---- server events ------------------------------------------------------------------

  socket.on("message:new", (m) => void receive(m, true));
  socket.on("message:updated", (m) => {
    if (messages.timeline(m.conversationId).loaded) messages.merge(m.conversationId, [m]);
    conversations.applyMessage(m, false);
  });
  socket.on("receipt", (r) => conversations.applyReceipt(r));
  socket.on("typing", (e) => {
    if (e.userId !== me()) typing.apply(e);
  });
  socket.on("presence", (e) => presence.apply(e));
  socket.on("conversation:updated", (c) => applyConversation(c));
  socket.on("conversation:removed", ({ conversationId }) =>
    forget(conversationId, leaving.has(conversationId) ? "left" : "removed"),
  );

  /** The server's view of a conversation (members, roles); live activity we already applied is kept. */
  function applyConversation(c: Conversation) {
    const prev = conversations.byId(c.id);
    conversations.upsert(prev && prev.lastSeq > c.lastSeq ? { ...c, ...pickActivity(prev) } : c);
    presence.seed([c]);
  }

  /**
   * Conversations forgotten (left or removed), numbered in order: a list the server read before
   * that (a reload in flight during the removal) must not bring them back.
   */
  let forgettings = 0;
  const forgottenAt = new Map<string, number>();
  const fetchConversationList = async (): Promise<Conversation[]> => {
    const asOf = forgettings;
    const { conversations: list } = await auth.api<ConversationsResponse>("/api/conversations");
    return list.filter((c) => (forgottenAt.get(c.id) ?? 0) <= asOf);
  };

  /** No longer a member: the server no longer shows me this conversation, so neither do we. */
  function forget(cid: string, reason: MembershipNotice["reason"]) {
    forgottenAt.set(cid, ++forgettings);
    const c = conversations.byId(cid);
    clearTimeout(backoff.get(cid)?.timer);
    backoff.delete(cid);
    conversations.remove(cid);
    messages.remove(cid);
    if (focus.get()?.conversationId === cid) focus.set(null);
    if (active.get() === cid) {
      active.set(null);
      if (c) membershipNotice.set({ conversationId: cid, title: c.title ?? "", reason });
    }
  }

  async function receive(m: Message, live: boolean) {
    const cid = m.conversationId;
    let conv = conversations.byId(cid);
    if (!conv) {
      // A conversation we have not heard of (someone just started a DM with us).
      try {
        conv = (await auth.api<ConversationResponse>(`/api/conversations/${cid}`)).conversation;
        conversations.upsert(conv);
        presence.seed([conv]);
      } catch {
        return;
      }
    }
    const tl = messages.timeline(cid);
    const fresh = m.seq > conv.lastSeq;
    if (tl.loaded) {
      if (leavesGap(tl, m)) void catchUp(cid);
      messages.merge(cid, [m]);
    }
    const reading = readingNow(cid);
    conversations.applyMessage(m, reading);
    if (m.senderId !== me()) {
      typing.stopped(cid, m.senderId);
      if (live) socket.emit("conversation:delivered", { conversationId: cid, seq: m.seq }, () => {});
      if (reading) markRead(cid);
      if (fresh && live) {
        const c = conversations.byId(cid)!;
        const sender = c.members.find((x) => x.user.id === m.senderId)?.user;
        for (const l of incomingListeners) l({ message: m, conversation: c, sender });
      }
    }
  }

  function pickActivity(c: Conversation) {
    return {
      lastSeq: c.lastSeq,
      lastMessage: c.lastMessage,
      lastActivityAt: c.lastActivityAt,
      unreadCount: c.unreadCount,
    };
  }

  // ---- catch-up -----------------------------------------------------------------------

  /** After (re)connecting: refresh the list, fill every open timeline, re-send what was never acked. */
  async function resync() {
    try {
      const list = await fetchConversationList();
      const known = conversations.get();
      // The list was read before some live events we may already have applied: keep the newer activity.
      conversations.setAll(
        list.map((c) => {
          const k = known[c.id];
          return k && k.lastSeq > c.lastSeq ? { ...c, ...pickActivity(k) } : c;
        }),
      );
      presence.seed(list);
      listLoaded.set(true);
      for (const c of list) {
        const mine = myMember(c, me());
        if (mine && c.lastSeq > mine.lastDeliveredSeq)
          socket.emit("conversation:delivered", { conversationId: c.id, seq: c.lastSeq }, () => {});
      }
      await Promise.all(
        Object.keys(messages.get()).map(async (cid) => {
          if (!conversations.byId(cid)) messages.remove(cid);
          else if (messages.timeline(cid).loaded) await catchUp(cid);
        }),
      );
    } catch {
      // The next reconnect (or the next live event that leaves a gap) tries again.
    }
    flushUnacked();
    const a = active.get();
    if (a && readingNow(a)) markRead(a);
  }

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
        const page = await auth.api<MessagesResponse>(
          `/api/conversations/${cid}/messages?after=${cursor}&limit=${CATCH_UP_PAGE}`,
        );
        // The timeline was replaced meanwhile (a search result far back): these pages no longer fit it.
        if (messages.timeline(cid).epoch !== epoch) break;
        messages.merge(cid, page.messages);
        for (const m of page.messages) conversations.applyMessage(m, readingNow(cid));
        const next = catchUpCursor(messages.timeline(cid));
        if (!page.hasMore || next <= cursor) break;
        cursor = next;
      }
    })().finally(() => catchingUp.delete(cid));
    catchingUp.set(cid, run);
    return run;
  }

  // ---- history ------------------------------------------------------------------------

  async function loadLatest(cid: string) {
    const epoch = messages.timeline(cid).epoch;
    const page = await auth.api<MessagesResponse>(`/api/conversations/${cid}/messages?limit=${PAGE}`);
    // A search result was shown meanwhile: its window is what the user asked for.
    if (messages.timeline(cid).epoch !== epoch) return;
    messages.applyPage(cid, page.messages, page.hasMore, "latest");
    // Anything newer than that page that arrived meanwhile is already merged; fill a hole if one opened.
    const c = conversations.byId(cid);
    if (c && c.lastSeq > lastSeq(messages.timeline(cid))) await catchUp(cid);
  }

  /** Page requests in flight, one per conversation and direction. */
  const paging = new Set<string>();
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
      const page = await auth.api<MessagesResponse>(
        `/api/conversations/${cid}/messages?${direction}=${edge.seq}&limit=${PAGE}`,
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

  /** The messages around `seq`, half a page either side, and whether there are more before and after. */
  async function fetchAround(cid: string, seq: number) {
    const half = PAGE / 2;
    const base = `/api/conversations/${cid}/messages`;
    const [older, newer] = await Promise.all([
      auth.api<MessagesResponse>(`${base}?before=${seq + 1}&limit=${half}`),
      auth.api<MessagesResponse>(`${base}?after=${seq}&limit=${half}`),
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

  // ---- reading ------------------------------------------------------------------------

  function readingNow(cid: string) {
    return active.get() === cid && isVisible();
  }

  function markRead(cid: string) {
    const c = conversations.byId(cid);
    if (!c) return;
    const seq = Math.max(c.lastSeq, lastSeq(messages.timeline(cid)));
    if (seq === 0) return;
    conversations.markRead(cid, seq);
    if (c.unreadCount > 0) conversations.upsert({ ...conversations.byId(cid)!, unreadCount: 0 });
    // The local state above is optimistic; the server hears it once per connection (positions only move forward).
    if (socket.connected && (readTold.get(cid) ?? 0) < seq) {
      readTold.set(cid, seq);
      socket.emit("conversation:read", { conversationId: cid, seq }, () => {});
    }
  }

  // ---- sending ------------------------------------------------------------------------

  /** The one place a message is sent: the conversation's oldest unsent one, when nothing else of it is under way. */
  function pump(cid: string) {
    // Not connected: the reconnect pumps again. Waiting out a backoff: its timer does.
    if (!socket.connected || inFlight.has(cid) || backoff.get(cid)?.timer) return;
    const p = messages.timeline(cid).pending.find((x) => x.status === "pending");
    if (!p) return;
    const attempt = { clientId: p.clientId };
    inFlight.set(cid, attempt);
    socket.timeout(ACK_TIMEOUT_MS).emit(
      "message:send",
      {
        conversationId: p.conversationId,
        clientId: p.clientId,
        body: p.body,
        attachmentIds: p.attachments.map((a) => a.id),
        replyToId: p.replyToId,
      },
      (err, ack) => {
        if (!err && ack.ok) {
          messages.merge(cid, [ack.message]);
          conversations.applyMessage(ack.message, true);
        }
        // The connection dropped meanwhile (its acks never come): the reconnect re-sends it.
        if (inFlight.get(cid) !== attempt) return;
        inFlight.delete(cid);
        if (err) {
          if (socket.connected) refused(cid, p.clientId, { code: "timeout", message: "no answer" });
        } else if (!ack.ok) refused(cid, p.clientId, ack.error);
        else if (backoff.get(cid)?.clientId === p.clientId) backoff.delete(cid);
        pump(cid);
      },
    );
  }

  /** Not accepted: sent again after a while if the reason may pass, otherwise shown as failed (Retry, discard). */
  function refused(cid: string, clientId: string, error: ApiError) {
    const prev = backoff.get(cid);
    const failures = (prev?.clientId === clientId ? prev.failures : 0) + 1;
    const wait = sendRetryDelay(error, failures, Math.random, opts.sendBackoff);
    if (wait === null) {
      backoff.delete(cid);
      messages.markFailed(cid, clientId, error);
      return;
    }
    messages.markWaiting(cid, clientId, error);
    const entry: Backoff = { clientId, failures };
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      pump(cid);
    }, wait);
    backoff.set(cid, entry);
  }

  function flushUnacked() {
    for (const cid of new Set(messages.unacked().map((p) => p.conversationId))) pump(cid);
  }

  function send(cid: string, body: string, extra: { replyToId?: string | null; attachments?: Attachment[] } = {}) {
    const text = body.trim();
    const attachments = extra.attachments ?? [];
    if (!text && attachments.length === 0) return null;
    const p: PendingSend = {
      clientId: newClientId(),
      conversationId: cid,
      senderId: me(),
      body: text,
      attachments,
      replyToId: extra.replyToId ?? null,
      createdAt: new Date().toISOString(),
      status: "pending",
      attempts: 1,
    };
    messages.addPending(p);
    // Written while reading old history: it belongs after the newest messages, so show those.
    if (messages.timeline(cid).hasMoreAfter) void showLatest(cid).catch(() => undefined);
    stopTyping(cid);
    pump(cid);
    return p.clientId;
  }

  /**
   * Retry (a failed message) or Retry now (one waiting out its backoff). Same clientId: if an earlier
   * attempt did reach the server, this returns that message, never a second one.
   */
  function retry(cid: string, clientId: string) {
    endWait(cid, clientId);
    messages.markRetrying(cid, clientId);
    pump(cid);
  }

  /** Stops the wait of `clientId` if it is the conversation's message waiting out a backoff. */
  function endWait(cid: string, clientId: string) {
    const waiting = backoff.get(cid);
    if (waiting?.clientId !== clientId) return;
    clearTimeout(waiting.timer);
    backoff.delete(cid);
  }

  function ackOrThrow<T extends object>(event: "message:edit" | "message:delete" | "message:react", payload: object) {
    return new Promise<T>((resolve, reject) => {
      // biome-ignore lint/suspicious/noExplicitAny: one helper for three events with distinct payload types
      (socket.timeout(ACK_TIMEOUT_MS) as any).emit(event, payload, (err: Error | null, ack: any) => {
        if (err) return reject(new RequestError(0, { code: "timeout", message: "no answer" }));
        if (!ack.ok) return reject(new RequestError(400, ack.error as ApiError));
        resolve(ack as T);
      });
    });
  }

  async function changeMessage(event: "message:edit" | "message:delete" | "message:react", payload: object) {
    const { message } = await ackOrThrow<{ message: Message }>(event, payload);
    messages.merge(message.conversationId, [message]);
    conversations.applyMessage(message, false);
    return message;
  }

  // ---- typing -------------------------------------------------------------------------

  /** Called on every keystroke in the composer; sends `typing` sparingly. */
  function typingInput(cid: string) {
    const now = Date.now();
    const st = typingState.get(cid) ?? { sentAt: 0 };
    if (now - st.sentAt > TYPING_RENEW_MS && socket.connected) {
      socket.emit("typing", { conversationId: cid, typing: true });
      st.sentAt = now;
    }
    clearTimeout(st.idle);
    st.idle = setTimeout(() => stopTyping(cid), TYPING_IDLE_MS);
    typingState.set(cid, st);
  }

  function stopTyping(cid: string) {
    const st = typingState.get(cid);
    if (!st) return;
    clearTimeout(st.idle);
    typingState.delete(cid);
    if (st.sentAt && socket.connected) socket.emit("typing", { conversationId: cid, typing: false });
  }

  // ---- uploads ------------------------------------------------------------------------

  function upload(cid: string, file: File) {
    const localId = newClientId();
    uploads.add({ localId, conversationId: cid, name: file.name, size: file.size, progress: 0, status: "uploading" });
    const start = (retried: boolean) => {
      const h = uploadFile({
        token: auth.accessToken(),
        conversationId: cid,
        file,
        onProgress: (f) => uploads.progress(localId, f),
      });
      uploadAborts.set(localId, h.abort);
      h.promise.then(
        (a) => {
          uploadAborts.delete(localId);
          uploads.done(localId, a);
        },
        async (e: unknown) => {
          uploadAborts.delete(localId);
          const err = e instanceof UploadError ? e : new UploadError(0, { code: "network", message: String(e) });
          if (err.error.code === "cancelled") return uploads.remove(localId);
          if (err.status === 401 && !retried && (await auth.refresh().catch(() => false))) return start(true);
          uploads.failed(localId, err.error);
        },
      );
    };
    start(false);
    return localId;
  }

  // ---- lifecycle ----------------------------------------------------------------------

  // ---- outbox: unsent messages survive a reload or a closed tab ---------------------------

  const outboxKey = () => `messenger.outbox.${me()}`;
  function restoreOutbox() {
    const raw = opts.outboxStorage?.getItem(outboxKey());
    if (!raw) return;
    try {
      for (const p of JSON.parse(raw) as PendingSend[]) messages.addPending(p);
    } catch {
      opts.outboxStorage?.removeItem(outboxKey());
    }
  }
  function saveOutbox() {
    const all = Object.values(messages.get()).flatMap((tl) => tl.pending);
    if (all.length) opts.outboxStorage?.setItem(outboxKey(), JSON.stringify(all));
    else opts.outboxStorage?.removeItem(outboxKey());
  }
  let savedPending: unknown[] = [];
  const stopOutbox = messages.subscribe(() => {
    const pendings = Object.values(messages.get()).map((tl) => tl.pending);
    if (pendings.length === savedPending.length && pendings.every((p, i) => p === savedPending[i])) return;
    savedPending = pendings;
    saveOutbox();
  });

  async function start() {
    restoreOutbox();
    if (!(await auth.ensureFresh().catch(() => true))) return;
    if (isOnline()) socket.connect();
    else connection.set("offline");
    // The list also loads over REST right away, so the screen fills before the socket is up.
    if (!listLoaded.get()) {
      try {
        const list = await fetchConversationList();
        if (!listLoaded.get()) {
          conversations.setAll(list);
          presence.seed(list);
          listLoaded.set(true);
        }
      } catch {
        // resync after connect retries
      }
    }
  }

  return {
    socket,
    me,
    stores: {
      conversations,
      messages,
      presence,
      typing,
      uploads,
      connection,
      active,
      listLoaded,
      focus,
      membershipNotice,
    },
    start,
    stop() {
      stopOutbox();
      stopTokenWatch();
      socket.disconnect();
      for (const abort of uploadAborts.values()) abort();
      for (const st of typingState.values()) clearTimeout(st.idle);
      for (const b of backoff.values()) clearTimeout(b.timer);
      backoff.clear();
    },
    /** The browser says the network went away / came back. */
    networkChanged(online: boolean) {
      networkDown = !online;
      if (!online) {
        connection.set("offline");
        socket.disconnect();
      } else if (!socket.connected) {
        connection.set("reconnecting");
        socket.connect();
      }
    },
    /** The page became visible or hidden: reading resumes where the user looks. */
    visibilityChanged() {
      const a = active.get();
      if (a && readingNow(a)) markRead(a);
    },
    async open(cid: string | null) {
      const prev = active.get();
      if (prev && prev !== cid) stopTyping(prev);
      active.set(cid);
      if (cid) membershipNotice.set(null);
      if (!cid) return;
      if (!messages.timeline(cid).loaded) await loadLatest(cid);
      if (readingNow(cid)) markRead(cid);
    },
    markRead,
    loadOlder,
    loadNewer,
    ensureLoaded,
    showMessage,
    showLatest,
    send,
    retry,
    discard(cid: string, clientId: string) {
      // A discarded message waiting out its backoff no longer holds back those written after it.
      endWait(cid, clientId);
      messages.removePending(cid, clientId);
      pump(cid);
    },
    edit: (messageId: string, body: string) => changeMessage("message:edit", { messageId, body }),
    remove: (messageId: string) => changeMessage("message:delete", { messageId }),
    react: (messageId: string, emoji: string, on: boolean) => changeMessage("message:react", { messageId, emoji, on }),
    typingInput,
    stopTyping,
    upload,
    cancelUpload(localId: string) {
      uploadAborts.get(localId)?.();
      uploads.remove(localId);
    },
    async searchUsers(q: string): Promise<User[]> {
      const { users } = await auth.api<UsersResponse>(`/api/users?q=${encodeURIComponent(q)}`);
      return users.filter((u) => u.id !== me());
    },
    /** Full-text search over my conversations (or one of them), newest first. */
    async searchMessages(q: string, conversationId?: string): Promise<Message[]> {
      const scope = conversationId ? `&conversationId=${encodeURIComponent(conversationId)}` : "";
      const { messages: found } = await auth.api<SearchResponse>(`/api/search?q=${encodeURIComponent(q)}${scope}`);
      return found;
    },
    /** Group admins only; everyone in the conversation hears of it (`conversation:updated`). */
    async addMembers(cid: string, userIds: string[]): Promise<Conversation> {
      const { conversation } = await auth.api<ConversationResponse>(`/api/conversations/${cid}/members`, {
        method: "POST",
        json: { userIds },
      });
      applyConversation(conversation);
      return conversation;
    },
    /** An admin removes someone, or (my own id) I leave: then the conversation is gone for me. */
    async removeMember(cid: string, userId: string): Promise<void> {
      const self = userId === me();
      if (self) leaving.add(cid);
      try {
        await auth.api<void>(`/api/conversations/${cid}/members/${userId}`, { method: "DELETE" });
      } finally {
        if (self) leaving.delete(cid);
      }
      if (self) return forget(cid, "left");
      // The server's conversation:updated follows with the full picture; show the change at once.
      const c = conversations.byId(cid);
      if (c) conversations.upsert({ ...c, members: c.members.filter((m) => m.user.id !== userId) });
    },
    leave(cid: string): Promise<void> {
      return this.removeMember(cid, me());
    },
    async startDirect(userId: string): Promise<Conversation> {
      const { conversation } = await auth.api<ConversationResponse>("/api/conversations", {
        method: "POST",
        json: { kind: "direct", userId },
      });
      conversations.upsert(conversations.byId(conversation.id) ?? conversation);
      presence.seed([conversation]);
      return conversation;
    },
    async createGroup(title: string, memberIds: string[]): Promise<Conversation> {
      const { conversation } = await auth.api<ConversationResponse>("/api/conversations", {
        method: "POST",
        json: { kind: "group", title, memberIds },
      });
      conversations.upsert(conversation);
      presence.seed([conversation]);
      return conversation;
    },
    onIncoming(fn: (e: IncomingEvent) => void) {
      incomingListeners.add(fn);
      return () => {
        incomingListeners.delete(fn);
      };
    },
  };
}
export type ChatClient = ReturnType<typeof createChatClient>;
