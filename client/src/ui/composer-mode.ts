import type { Message } from "@messenger/protocol";

/** What the composer is doing: writing a new message, replying to one, or editing one of mine. */
export type ComposerMode = { kind: "new" } | { kind: "reply"; message: Message } | { kind: "edit"; message: Message };
