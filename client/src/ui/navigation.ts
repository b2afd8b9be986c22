// Which conversation is open lives in the URL (`#/c/<id>`), so a reload or the back button returns to it.
// Everything that switches conversations goes through here; Messenger.tsx follows the URL.

const CONVERSATION_HASH = /^#\/c\/([0-9a-f-]{36})$/i;

/** The conversation the URL points at, if any. */
export const conversationFromHash = (): string | null => CONVERSATION_HASH.exec(location.hash)?.[1] ?? null;

/** A page of its own instead of a conversation: `#/settings`, `#/admin`. */
export type Page = "settings" | "admin";
export const pageFromHash = (): Page | null =>
  location.hash === "#/settings" ? "settings" : location.hash === "#/admin" ? "admin" : null;
export function openPage(page: Page) {
  location.hash = `#/${page}`;
}

/** Opens a conversation (or, with null, the list) by changing the URL. */
export function openConversation(id: string | null) {
  location.hash = id ? `#/c/${id}` : "";
}
