import { MESSAGE_BODY_MAX, type Message } from "@messenger/protocol";

/** What the composer is doing: writing a new message, replying to one, or editing one of mine. */
export type ComposerMode = { kind: "new" } | { kind: "reply"; message: Message } | { kind: "edit"; message: Message };

/** The message Up in an empty composer edits: my latest one that still has text to edit. */
export function lastEditable(messages: readonly Message[], me: string): Message | undefined {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i]!;
    if (m.senderId === me && m.kind === "text" && !m.deletedAt && m.body) return m;
  }
  return undefined;
}

/** Over the server's limit (counted as it counts: UTF-16 code units), a message is not sent, and never cut. */
export const isOverLimit = (text: string) => text.length > MESSAGE_BODY_MAX;
