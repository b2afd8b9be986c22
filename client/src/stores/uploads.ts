import type { ApiError, Attachment } from "@messenger/protocol";
import { createStore } from "./store";

/** One file on its way into the composer of a conversation. */
export interface Upload {
  localId: string;
  conversationId: string;
  name: string;
  size: number;
  /** 0‥1 of the bytes sent. */
  progress: number;
  status: "uploading" | "done" | "error";
  attachment?: Attachment;
  error?: ApiError;
}

export type UploadsState = Readonly<Record<string, Upload>>;

export function createUploadsStore() {
  const store = createStore<UploadsState>({});
  const edit = (localId: string, fn: (u: Upload) => Upload) =>
    store.update((s) => (s[localId] ? { ...s, [localId]: fn(s[localId]) } : s));
  return {
    ...store,
    add: (u: Upload) => store.update((s) => ({ ...s, [u.localId]: u })),
    progress: (localId: string, progress: number) => edit(localId, (u) => ({ ...u, progress })),
    done: (localId: string, attachment: Attachment) =>
      edit(localId, (u) => ({ ...u, progress: 1, status: "done", attachment })),
    failed: (localId: string, error: ApiError) => edit(localId, (u) => ({ ...u, status: "error", error })),
    remove: (localId: string) =>
      store.update((s) => {
        if (!(localId in s)) return s;
        const { [localId]: _gone, ...rest } = s;
        return rest;
      }),
    of: (conversationId: string): Upload[] =>
      Object.values(store.get()).filter((u) => u.conversationId === conversationId),
    /** The composer's attachments are taken by a send: forget them. */
    clearDone: (conversationId: string) =>
      store.update((s) =>
        Object.fromEntries(
          Object.entries(s).filter(([, u]) => !(u.conversationId === conversationId && u.status === "done")),
        ),
      ),
  };
}
export type UploadsStore = ReturnType<typeof createUploadsStore>;
