/** A fresh id made on this device: a send's `clientId` (the server dedupes by it), an upload's local id. */
export const newClientId = () =>
  globalThis.crypto?.randomUUID?.() ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
