// The wire contract of threads, pins, saved items and search (issue 14). Messages carry the thread
// summary and the pin (models.ts); these are the routes around them.
import { z } from "zod";
import { Id, Message, Timestamp } from "./models.js";
import { PAGE_LIMIT_DEFAULT, PAGE_LIMIT_MAX } from "./rest.js";

const Seq = z.coerce.number().int().nonnegative();

// ---- threads ----------------------------------------------------------------

export const ThreadParams = z.object({ id: Id, rootId: Id });
export const RootParams = z.object({ rootId: Id });

/** `GET /api/conversations/:id/threads/:rootId?after=&before=&limit=`: the replies, ascending by seq. */
export const ThreadQuery = z
  .object({
    before: Seq.optional(),
    after: Seq.optional(),
    limit: z.coerce.number().int().min(1).max(PAGE_LIMIT_MAX).default(PAGE_LIMIT_DEFAULT),
  })
  .refine((q) => q.before === undefined || q.after === undefined, {
    message: "use either before or after, not both",
  });
export type ThreadQuery = z.infer<typeof ThreadQuery>;

/** The root (with its summary) and a page of its replies; `hasMore` = more in the paging direction. */
export const ThreadResponse = z.object({ root: Message, replies: z.array(Message), hasMore: z.boolean() });
export type ThreadResponse = z.infer<typeof ThreadResponse>;

export const FollowedThread = z.object({
  root: Message,
  /** Replies after the last one I read (my own count as read). */
  unreadCount: z.number().int().nonnegative(),
});
export type FollowedThread = z.infer<typeof FollowedThread>;

/** `GET /api/threads`: the threads I follow (I wrote the root or replied), latest reply first. */
export const ThreadsResponse = z.object({ threads: z.array(FollowedThread) });
export type ThreadsResponse = z.infer<typeof ThreadsResponse>;

/** `PUT /api/threads/:rootId/read`: I have read every reply so far. */
export const ThreadReadResponse = z.object({ thread: FollowedThread });
export type ThreadReadResponse = z.infer<typeof ThreadReadResponse>;

export const THREADS_LIST_MAX = 100;

// ---- pins and saved ---------------------------------------------------------

export const MessageIdParams = z.object({ id: Id });

/** `GET /api/conversations/:id/pins`: pinned messages, latest pin first. */
export const PinsResponse = z.object({ messages: z.array(Message) });
export type PinsResponse = z.infer<typeof PinsResponse>;

/** `PUT`/`DELETE /api/messages/:id/pin` and `…/save` answer with the message. */
export const MessageResponse = z.object({ message: Message });
export type MessageResponse = z.infer<typeof MessageResponse>;

export const SavedItem = z.object({ message: Message, savedAt: Timestamp });
export type SavedItem = z.infer<typeof SavedItem>;

/** `GET /api/saved`: my saved messages (only of conversations I am still in), latest saved first. */
export const SavedResponse = z.object({ items: z.array(SavedItem) });
export type SavedResponse = z.infer<typeof SavedResponse>;

export const SAVED_LIST_MAX = 200;

// ---- search -----------------------------------------------------------------
// `GET /api/search?q=` (SearchQuery/SearchResponse in rest.ts): words match as prefixes and by their
// English and Spanish stems, "quoted phrases" as written; filters `from:@user`, `in:#channel`,
// `has:file|image|link`, `before:`/`after:` (YYYY-MM-DD); file names are searched too.
