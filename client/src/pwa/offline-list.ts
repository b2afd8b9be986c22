// The last conversation list this browser had, per user, so the app opens offline showing it (then the
// server's list replaces it as soon as it answers). Only the list: messages are not kept here.
import type { Conversation } from "@messenger/protocol";
import type { KeyValueStorage } from "../core/auth";
import type { ChatClient } from "../core/client";

const keyOf = (userId: string) => `messenger.list.${userId}`;
/** Enough for the first screens of a long list; bounds what is kept. */
const KEPT = 200;
const SAVE_EVERY_MS = 2000;

export function readSavedList(storage: KeyValueStorage, userId: string): Conversation[] {
  try {
    const raw = storage.getItem(keyOf(userId));
    const list = raw ? (JSON.parse(raw) as unknown) : null;
    return Array.isArray(list) ? (list as Conversation[]) : [];
  } catch {
    return [];
  }
}

/** Shows the saved list until the server's arrives, and keeps saving the live one. Returns a stop function. */
export function keepListOffline(client: ChatClient, storage: KeyValueStorage): () => void {
  const userId = client.me();
  if (!userId) return () => {};
  if (Object.keys(client.stores.conversations.get()).length === 0 && !client.stores.listLoaded.get()) {
    const saved = readSavedList(storage, userId);
    if (saved.length) client.stores.conversations.setAll(saved);
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const save = () => {
    timer = undefined;
    // Only what the server confirmed: a list still seeded from storage is saved already.
    if (!client.stores.listLoaded.get()) return;
    const list = Object.values(client.stores.conversations.get())
      .sort((a, b) => b.lastActivityAt.localeCompare(a.lastActivityAt))
      .slice(0, KEPT);
    try {
      storage.setItem(keyOf(userId), JSON.stringify(list));
    } catch {
      // Storage full or unavailable: the app works online as before.
    }
  };
  const schedule = () => {
    timer ??= setTimeout(save, SAVE_EVERY_MS);
  };
  const offList = client.stores.conversations.subscribe(schedule);
  const offLoaded = client.stores.listLoaded.subscribe(schedule);
  const flush = () => {
    if (timer) {
      clearTimeout(timer);
      save();
    }
  };
  window.addEventListener("pagehide", flush);
  return () => {
    offList();
    offLoaded();
    window.removeEventListener("pagehide", flush);
    flush();
  };
}

/** Signing out forgets this user's saved list on this browser. */
export function forgetSavedList(storage: KeyValueStorage, userId: string): void {
  storage.removeItem(keyOf(userId));
}
