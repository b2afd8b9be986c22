import { type Message, type PushPayload, pushTagOfCall, pushTagOfConversation } from "@messenger/protocol";
import type { FastifyBaseLogger } from "fastify";
import type { Stores } from "../store/index.js";
import type { FocusTracker } from "./focus.js";
import { type NotifiedMessage, notificationText, type PayloadPolicy, shouldPush, wordsFor } from "./rules.js";
import type { PushSender } from "./sender.js";
import type { PushStore, SubscriptionRow } from "./store.js";

/** Messages of one conversation waiting out the collapse window. */
interface Pending {
  timer: NodeJS.Timeout;
  maxSeq: number;
  total: number;
  bySender: Map<string, number>;
  /** The latest few, newest last (each recipient's notification shows the latest not their own). */
  latest: (NotifiedMessage & { senderId: string })[];
  /** Users named by a message of the burst; `channel`: the whole conversation was. */
  mentioned: Set<string>;
  channel: boolean;
}

export interface NotifierDeps {
  store: PushStore;
  stores: Stores;
  focus: FocusTracker;
  sender: PushSender;
  log: FastifyBaseLogger;
  policy: PayloadPolicy;
  collapseMs: number;
  ttlSeconds: number;
  ringSeconds: number;
}

const LATEST_KEPT = 20;
/** Conversations waiting out their window at once; beyond it a burst is pushed at once. */
const PENDING_MAX = 50_000;

/**
 * Turns new messages, reads and incoming calls into pushes for the users who are not looking: a
 * burst to one conversation waits `collapseMs` and leaves as one notification per recipient (its
 * tag replaces the previous one on the device); reading closes it on the user's other devices;
 * a ringing 1:1 call pushes "Alice is calling". Nothing here runs on the send path: callers
 * hand over and return, and the pushes leave through the bounded sender.
 */
export function createPushNotifier(deps: NotifierDeps) {
  const { store, stores, focus, sender, log } = deps;
  const pending = new Map<string, Pending>();
  // Calls this instance pushed as ringing: only those get a closing push (one for a notification
  // never shown makes the browser show a generic one). A call ended on another instance closes by
  // itself when its push's TTL (the ring time) runs out or the app opens.
  // callId → whether its ringing push went out yet (a call that stops first is never pushed).
  const ringing = new Map<string, boolean>();
  const RINGING_MAX = 10_000;
  const work = new Set<Promise<void>>();
  const track = (what: string, p: Promise<void>) => {
    const q = p.catch((err) => log.warn({ err }, `push: ${what} failed`));
    work.add(q);
    void q.finally(() => work.delete(q));
  };

  const toDevices = (subs: SubscriptionRow[], payloadFor: (s: SubscriptionRow) => PushPayload, ttl: number) => {
    for (const s of subs) sender.enqueue({ subscription: s, payload: payloadFor(s), ttl, urgency: "normal" });
  };

  async function flush(conversationId: string, p: Pending) {
    const conv = await stores.conversations.findById(conversationId);
    if (!conv) return;
    const members = await stores.conversations.memberIds(conversationId);
    const candidates = members.filter((id) => (p.bySender.get(id) ?? 0) < p.total);
    // Only users with a device to push to cost anything more.
    const subs = await store.forUsers(candidates);
    if (!subs.length) return;
    const userIds = [...new Set(subs.map((s) => s.user_id))];
    const [recipients, focused, totals, senders] = await Promise.all([
      store.recipients(conversationId, userIds),
      focus.focusedAmong(userIds),
      store.unreadTotals(userIds),
      stores.users.findByIds([...new Set(p.latest.map((m) => m.senderId))]),
    ]);
    const nameOf = new Map(senders.map((u) => [u.id, u.display_name]));
    const notified: string[] = [];
    for (const r of recipients) {
      const count = p.total - (p.bySender.get(r.user_id) ?? 0);
      const last = [...p.latest].reverse().find((m) => m.senderId !== r.user_id);
      if (count <= 0 || !last) continue;
      const push = shouldPush({
        conversationKind: conv.kind,
        memberCount: members.length,
        level: r.notify_level,
        muted: r.muted,
        dnd: r.dnd,
        mentioned: p.channel || p.mentioned.has(r.user_id),
        focused: focused.has(r.user_id),
        alreadyRead: r.last_read_seq >= p.maxSeq,
      });
      if (!push) continue;
      notified.push(r.user_id);
      const tag = pushTagOfConversation(conversationId);
      const named = { ...last, senderName: nameOf.get(last.senderId) ?? last.senderName };
      toDevices(
        subs.filter((s) => s.user_id === r.user_id),
        (s) => ({
          type: "message",
          tag,
          conversationId,
          ...notificationText(deps.policy, wordsFor(s.lang), conv, named, count),
          count,
          url: `/#/c/${conversationId}`,
          badge: totals.get(r.user_id) ?? count,
        }),
        deps.ttlSeconds,
      );
    }
    await store.markNotified(conversationId, notified, p.maxSeq);
  }

  return {
    /** A message was committed and published (never for a re-send). */
    messageCreated(m: Message): void {
      if (m.kind !== "text" && m.kind !== "call") return;
      let p = pending.get(m.conversationId);
      if (!p) {
        // Too many bursts waiting at once: push this one without waiting rather than hold more.
        const overflow = pending.size >= PENDING_MAX;
        const conversationId = m.conversationId;
        const timer = setTimeout(
          () => {
            const due = pending.get(conversationId);
            pending.delete(conversationId);
            if (due) track("notify", flush(conversationId, due));
          },
          overflow ? 0 : deps.collapseMs,
        );
        timer.unref();
        p = { timer, maxSeq: 0, total: 0, bySender: new Map(), latest: [], mentioned: new Set(), channel: false };
        pending.set(conversationId, p);
      }
      p.maxSeq = Math.max(p.maxSeq, m.seq);
      p.total++;
      p.bySender.set(m.senderId, (p.bySender.get(m.senderId) ?? 0) + 1);
      p.latest.push({ senderId: m.senderId, senderName: "", body: m.body, hasAttachments: m.attachments.length > 0 });
      if (p.latest.length > LATEST_KEPT) p.latest.shift();
      for (const id of m.mentions.userIds) p.mentioned.add(id);
      p.channel ||= m.mentions.channel;
    },

    /** The user read up to `seq`: a notification they were shown for it closes on every device. */
    read(userId: string, conversationId: string, seq: number): void {
      track(
        "close",
        (async () => {
          if (!(await store.takeNotified(userId, conversationId, seq))) return;
          const [subs, totals] = await Promise.all([store.forUsers([userId]), store.unreadTotals([userId])]);
          const tag = pushTagOfConversation(conversationId);
          toDevices(subs, () => ({ type: "close", tag, badge: totals.get(userId) ?? 0 }), deps.ttlSeconds);
        })(),
      );
    },

    /** A 1:1 call rings the callee: devices with no tab in front hear "Alice is calling". */
    callRinging(
      calleeId: string,
      call: { callId: string; conversationId: string; callerName: string; video: boolean },
    ) {
      if (ringing.size >= RINGING_MAX) return;
      ringing.set(call.callId, false);
      track(
        "call",
        (async () => {
          // A tab in front rings by itself; do-not-disturb silences calls too (the open app still rings).
          if ((await focus.focusedAmong([calleeId])).size || (await store.inDnd(calleeId))) {
            ringing.delete(call.callId);
            return;
          }
          const subs = await store.forUsers([calleeId]);
          // Stopped ringing while we looked: nothing to push.
          if (!ringing.has(call.callId) || !subs.length) {
            ringing.delete(call.callId);
            return;
          }
          ringing.set(call.callId, true);
          for (const s of subs) {
            const w = wordsFor(s.lang);
            sender.enqueue({
              subscription: s,
              payload: {
                type: "call",
                tag: pushTagOfCall(call.callId),
                conversationId: call.conversationId,
                callId: call.callId,
                title: call.video ? w.videoCalling(call.callerName) : w.calling(call.callerName),
                body: w.tapToAnswer,
                url: `/#/c/${call.conversationId}`,
              },
              // A call is worth hearing of only while it rings.
              ttl: deps.ringSeconds,
              urgency: "high",
            });
          }
        })(),
      );
    },

    /** The call stopped ringing (answered, declined, cancelled, timed out). */
    callStopped(calleeId: string, callId: string) {
      const pushed = ringing.get(callId);
      ringing.delete(callId);
      if (!pushed) return;
      track(
        "call end",
        (async () => {
          const subs = await store.forUsers([calleeId]);
          toDevices(subs, () => ({ type: "close", tag: pushTagOfCall(callId) }), deps.ringSeconds);
        })(),
      );
    },

    /** A test push to each of the user's devices; how many it went to. */
    async test(userId: string): Promise<number> {
      const subs = await store.forUsers([userId]);
      toDevices(
        subs,
        (s) => {
          const w = wordsFor(s.lang);
          return { type: "test", tag: "test", title: w.testTitle, body: w.testBody, url: "/" };
        },
        60,
      );
      return subs.length;
    },

    /** Resolves once every burst waiting out its window has been decided and handed to the sender (tests). */
    async settle(): Promise<void> {
      while (pending.size || work.size) {
        if (work.size) await Promise.allSettled([...work]);
        else await new Promise((r) => setTimeout(r, Math.max(5, deps.collapseMs / 4)));
      }
    },
    pendingCount: () => pending.size,
    close() {
      for (const p of pending.values()) clearTimeout(p.timer);
      pending.clear();
    },
  };
}
export type PushNotifier = ReturnType<typeof createPushNotifier>;
