import { type AttachmentRow, withTransaction } from "@messenger/common";
import {
  type CallLog,
  type Message,
  type MessageSendPayload,
  type MessagesQuery,
  REACTIONS_PER_MESSAGE_MAX,
  type User,
} from "@messenger/protocol";
import type { CoreDeps } from "../core-deps.js";
import {
  AppError,
  archived,
  badRequest,
  conflict,
  forbidden,
  invalidAttachment,
  notFound,
  tooMany,
} from "../errors.js";
import type { MessageRow, SentRow } from "../store/index.js";
import { createGroupCommit, type Outcome } from "./group-commit.js";
import { createMentionService } from "./mentions.js";
import { requireThreadRoot } from "./threads.js";
import { toUsers } from "./users.js";

export interface SendInput {
  conversationId: string;
  clientId: string;
  body: string;
  attachmentIds?: string[];
  replyToId?: string | null;
  /** "call" messages are call logs posted by the calls module. */
  kind?: "text" | "call";
  call?: CallLog | null;
  /** Filled in by send() from the body. */
  mentions?: { userIds: string[]; channel: boolean };
  /** A reply in this thread (a top-level message of the conversation); see domain/threads.ts. */
  threadRootId?: string | null;
  alsoToConversation?: boolean;
}

/** Who caused an event: that socket gets an ack, every other socket of every member gets the event. */
export interface Origin {
  socketId?: string;
}

/** Thrown inside a batch's transaction to roll it back when some of its sends are refused. */
class WriteAgain extends Error {
  constructor(readonly refused: number[]) {
    super("refused sends in batch");
  }
}

/** A concurrent write to the same conversation from another instance (see writeBatch). */
const isWriteConflict = (err: unknown) =>
  err instanceof Error && "code" in err && (err.code === "23505" || err.code === "40P01");

/** One send waiting for its batch. */
interface PendingSend {
  senderId: string;
  input: SendInput;
  attachmentIds: string[];
}

interface Written {
  row: MessageRow;
  attachments: AttachmentRow[];
  created: boolean;
  /** A new thread reply's root, its summary updated. */
  root?: MessageRow;
}

const keyOfSend = (s: PendingSend) => s.input.conversationId;
const sameSend = (s: PendingSend) => `${s.input.conversationId}|${s.senderId}|${s.input.clientId}`;

export function createMessageService(deps: CoreDeps) {
  const { db, stores, access, hub, metrics, log } = deps;
  const mentions = createMentionService(deps);

  /** An edit, deletion or reaction in an archived conversation is refused. */
  async function requireWritable(conversationId: string): Promise<void> {
    if ((await stores.conversations.findById(conversationId))?.archived) throw archived();
  }

  function publish(conversationId: string, event: "message:new" | "message:updated", message: Message, origin: Origin) {
    const started = performance.now();
    hub.toConversation(conversationId, { exceptSocketId: origin.socketId }).emit(event, message);
    metrics.fanoutSeconds.observe((performance.now() - started) / 1000);
  }

  /** A thread's root changed (a reply came): every member hears it, the replier's own socket too. */
  function publishRoot(root: MessageRow) {
    stores.messages.hydrate([root]).then(
      ([m]) => publish(root.conversation_id, "message:updated", m!, {}),
      (err: unknown) => log.warn({ err, rootId: root.id }, "thread root update not published"),
    );
  }

  /**
   * Writes sends: when none carries attachments, one statement that is its own transaction
   * (one round trip); otherwise that statement and the attachment claim in one transaction,
   * rolled back by WriteAgain, naming the refused sends, when a claim falls short.
   */
  async function writeOnce(
    sends: PendingSend[],
  ): Promise<{ rows: (SentRow | undefined)[]; attachmentsOf: Map<string, AttachmentRow[]> }> {
    const items = sends.map(({ senderId, input }) => ({
      conversationId: input.conversationId,
      senderId,
      clientId: input.clientId,
      kind: input.kind ?? "text",
      body: input.body,
      replyToId: input.replyToId ?? null,
      call: input.call ?? null,
      mentions: input.mentions,
      threadRootId: input.threadRootId ?? null,
      alsoToConversation: input.alsoToConversation ?? false,
    }));
    if (sends.every((s) => s.attachmentIds.length === 0))
      return { rows: await stores.messages.insertBatch(items, db), attachmentsOf: new Map() };
    return withTransaction(db, async (tx) => {
      const rows = await stores.messages.insertBatch(items, tx);
      const claims = sends.flatMap(({ senderId, input, attachmentIds }, k) => {
        const sent = rows[k];
        if (!sent?.created) return [];
        return attachmentIds.map((attachmentId, position) => ({
          messageId: sent.row.id,
          conversationId: input.conversationId,
          uploaderId: senderId,
          attachmentId,
          position,
        }));
      });
      const attachmentsOf = new Map<string, AttachmentRow[]>();
      for (const a of await stores.attachments.attachToMessages(claims, tx))
        attachmentsOf.set(a.message_id!, [...(attachmentsOf.get(a.message_id!) ?? []), a]);
      const refused = sends.flatMap((s, k) => {
        const sent = rows[k];
        const short = sent?.created && (attachmentsOf.get(sent.row.id)?.length ?? 0) !== s.attachmentIds.length;
        return short ? [k] : [];
      });
      if (refused.length > 0) throw new WriteAgain(refused);
      return { rows, attachmentsOf };
    });
  }

  /**
   * Writes a batch from the group commit. Seqs are gap-free and strictly increasing (taken
   * by the statement that inserts, under the conversation's row lock), and the clientId
   * check sees every earlier batch to the conversation, because this instance never writes
   * two batches to one conversation at once. Another instance can: its concurrent write
   * shows here as a unique violation or a deadlock, and the batch is simply written again.
   * A refused send costs the others in its batch nothing and leaves no gap: they are
   * written again without it.
   */
  async function writeBatch(batch: PendingSend[]): Promise<Outcome<Written>[]> {
    const outcomes: (Outcome<Written> | undefined)[] = new Array(batch.length);
    // Two sends of one clientId in one batch: the first is written, the second answers with it.
    const firstOf = new Map<string, number>();
    batch.forEach((s, i) => {
      if (!firstOf.has(sameSend(s))) firstOf.set(sameSend(s), i);
    });
    let todo = [...new Set(firstOf.values())];
    for (let attempt = 1; todo.length > 0; attempt++) {
      let result: Awaited<ReturnType<typeof writeOnce>>;
      try {
        result = await writeOnce(todo.map((i) => batch[i]!));
      } catch (err) {
        if (err instanceof WriteAgain) {
          const refused = new Set(err.refused.map((k) => todo[k]!));
          for (const i of refused) outcomes[i] = { ok: false, error: invalidAttachment() };
          todo = todo.filter((i) => !refused.has(i));
          continue;
        }
        if (attempt < 5 && isWriteConflict(err)) continue;
        throw err;
      }
      todo.forEach((i, k) => {
        const sent = result.rows[k];
        outcomes[i] = sent
          ? {
              ok: true,
              value: {
                row: sent.row,
                attachments: result.attachmentsOf.get(sent.row.id) ?? [],
                created: sent.created,
                root: sent.root,
              },
            }
          : { ok: false, error: notFound("conversation") };
      });
      todo = [];
    }
    return batch.map((s, i) => {
      const own = outcomes[i];
      if (own) return own;
      const first = outcomes[firstOf.get(sameSend(s))!]!;
      return first.ok ? { ok: true, value: { ...first.value, created: false } } : first;
    });
  }

  /** The users a page of messages names (authors, also former members), so none shows without a name. */
  async function authorsOf(rows: MessageRow[]): Promise<User[]> {
    const ids = [...new Set(rows.map((r) => r.sender_id))];
    return toUsers(await stores.users.findByIds(ids), deps.presence);
  }

  // Told of every new message after it was committed and published (push notifications).
  const createdListeners = new Set<(message: Message) => void>();

  const writes = createGroupCommit<PendingSend, Written>({
    write: writeBatch,
    keyOf: keyOfSend,
    maxBatch: 500,
    // Two writes in flight: a batch stuck behind another instance's row lock does not stall every
    // other conversation, while batches stay large under load (measured: more in flight meant
    // smaller batches and a worse p99 on a 2-core machine, see docs/BENCHMARKS.md).
    concurrency: 2,
    onBatch: (size) => metrics.sendBatchSize.observe(size),
  });

  const service = {
    /** Calls `fn` with each new message once it is committed and published; `fn` must not throw or wait. */
    onCreated(fn: (message: Message) => void): void {
      createdListeners.add(fn);
    },
    /**
     * Sends once per (conversation, sender, clientId), through the group commit above.
     * Members hear about it only after commit; a duplicate is broadcast again (see below).
     */
    async send(
      senderId: string,
      input: SendInput,
      origin: Origin = {},
    ): Promise<{ message: Message; created: boolean }> {
      const attachmentIds = [...new Set(input.attachmentIds ?? [])];
      // Checked before the write: messages are never hard-deleted, so this cannot go stale.
      if (input.replyToId && !(await stores.messages.existsInConversation(input.replyToId, input.conversationId))) {
        await access.requireMember(input.conversationId, senderId);
        throw badRequest("replyToId: no such message in this conversation");
      }
      if (input.threadRootId) await requireThreadRoot(deps, senderId, input.conversationId, input.threadRootId);
      // Only a body with an @ costs a lookup (of the members it names).
      const withMentions =
        (input.kind ?? "text") === "text"
          ? { ...input, mentions: await mentions.resolve(input.conversationId, input.body) }
          : input;
      const written = await writes.push({ senderId, input: withMentions, attachmentIds }).catch(async (err) => {
        // Refused by the write: not a member, or (checked only now, off the hot path) archived.
        if (err instanceof AppError && err.code === "not_found") {
          const conv = await stores.conversations.findById(input.conversationId);
          if (conv?.archived && (await stores.conversations.findMember(input.conversationId, senderId)))
            throw archived();
        }
        throw err;
      });
      if (!written.created) {
        const [message] = await stores.messages.hydrate([written.row]);
        // A re-send means the sender never heard our answer, and may be because the first attempt
        // failed after its commit, before its broadcast. So it is published again; clients keep
        // one copy per id, so members who already have it see nothing new.
        publish(input.conversationId, "message:new", message!, origin);
        return { message: message!, created: false };
      }
      // A new message has no reactions yet and exactly the attachments just claimed: no re-read needed.
      const message = stores.messages.toWire(written.row, written.attachments, []);
      metrics.messagesSent.inc();
      publish(input.conversationId, "message:new", message, origin);
      // Every socket, the sender's too: its ack carries the reply, not the root's new count.
      if (written.root) publishRoot(written.root);
      for (const fn of createdListeners) fn(message);
      return { message, created: true };
    },

    async fromPayload(senderId: string, p: MessageSendPayload, origin: Origin) {
      return service.send(
        senderId,
        {
          conversationId: p.conversationId,
          clientId: p.clientId,
          body: p.body ?? "",
          attachmentIds: p.attachmentIds ?? [],
          replyToId: p.replyToId ?? null,
          threadRootId: p.threadRootId ?? null,
          alsoToConversation: p.alsoToConversation ?? false,
        },
        origin,
      );
    },

    async edit(userId: string, messageId: string, body: string, origin: Origin = {}): Promise<Message> {
      const { message } = await access.requireMessage(messageId, userId);
      if (message.sender_id !== userId) throw forbidden("only the sender may edit a message");
      if (message.kind !== "text") throw forbidden("call logs and notices cannot be edited");
      await requireWritable(message.conversation_id);
      const row = await stores.messages.updateBody(messageId, body);
      if (!row) throw conflict("message was deleted");
      const [m] = await stores.messages.hydrate([row]);
      publish(row.conversation_id, "message:updated", m!, origin);
      return m!;
    },

    async remove(userId: string, messageId: string, origin: Origin = {}): Promise<Message> {
      const { message } = await access.requireMessage(messageId, userId);
      if (message.sender_id !== userId) throw forbidden("only the sender may delete a message");
      if (message.kind === "system") throw forbidden("notices cannot be deleted");
      await requireWritable(message.conversation_id);
      const row = await stores.messages.tombstone(messageId);
      // Deleting twice is harmless: answer with the tombstone.
      const [m] = await stores.messages.hydrate([row ?? (await stores.messages.findById(messageId))!]);
      if (row) publish(m!.conversationId, "message:updated", m!, origin);
      return m!;
    },

    async react(userId: string, messageId: string, emoji: string, on: boolean, origin: Origin = {}): Promise<Message> {
      const { message } = await access.requireMessage(messageId, userId);
      if (message.deleted_at) throw conflict("message was deleted");
      await requireWritable(message.conversation_id);
      const set = await stores.messages.setReaction({
        messageId,
        userId,
        emoji,
        on,
        maxDistinct: REACTIONS_PER_MESSAGE_MAX,
      });
      if (set === "limit") throw tooMany(`a message can have at most ${REACTIONS_PER_MESSAGE_MAX} different reactions`);
      const [m] = await stores.messages.hydrate([message]);
      publish(message.conversation_id, "message:updated", m!, origin);
      return m!;
    },

    /** media-service finished (or failed) an attachment: its message, if sent, goes out again. */
    async attachmentChanged(attachmentId: string): Promise<void> {
      const row = await stores.messages.findByAttachment(attachmentId);
      if (!row) return;
      const [m] = await stores.messages.hydrate([row]);
      publish(row.conversation_id, "message:updated", m!, {});
    },

    async page(userId: string, conversationId: string, q: MessagesQuery) {
      await access.requireMember(conversationId, userId);
      const { rows, hasMore } = await stores.messages.page(conversationId, q);
      return { messages: await stores.messages.hydrate(rows), hasMore, users: await authorsOf(rows) };
    },

    /** A message changed outside a send (pinned, a thread's summary): every member's every socket hears it. */
    announce(message: Message): void {
      publish(message.conversationId, "message:updated", message, {});
    },
  };
  return service;
}
export type MessageService = ReturnType<typeof createMessageService>;
