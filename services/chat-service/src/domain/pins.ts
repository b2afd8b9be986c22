// Pins (shared: every member sees them, live) and saved items (private to the one who saved).
import { SAVED_LIST_MAX } from "@messenger/protocol";
import type { CoreDeps } from "../core-deps.js";
import { conflict, forbidden } from "../errors.js";
import type { MessageService } from "./messages.js";

export const PINS_LIST_MAX = 100;

export function createPinService(deps: CoreDeps & { messages: MessageService }) {
  const { stores, access, config, messages } = deps;
  return {
    /** Admins pin; members too unless PINS_ADMINS_ONLY. Pinning twice (or unpinning twice) is harmless. */
    async setPinned(userId: string, messageId: string, on: boolean) {
      const { message, member } = await access.requireMessage(messageId, userId);
      if (config.PINS_ADMINS_ONLY && member.role !== "admin") {
        // In a direct conversation both may pin: nobody there is an admin.
        const conversation = await stores.conversations.findById(message.conversation_id);
        if (conversation?.kind === "group") throw forbidden("only a group admin may pin messages");
      }
      if (on && message.deleted_at) throw conflict("message was deleted");
      const row = await stores.pins.setPinned(messageId, userId, on);
      const [m] = await stores.messages.hydrate([row ?? (await stores.messages.findById(messageId))!]);
      if (row) messages.announce(m!);
      return m!;
    },
    async pinned(userId: string, conversationId: string) {
      await access.requireMember(conversationId, userId);
      return { messages: await stores.messages.hydrate(await stores.pins.pinned(conversationId, PINS_LIST_MAX)) };
    },
    async setSaved(userId: string, messageId: string, on: boolean) {
      const { message } = await access.requireMessage(messageId, userId);
      await stores.pins.setSaved(messageId, userId, on);
      return (await stores.messages.hydrate([message]))[0]!;
    },
    async saved(userId: string) {
      const rows = await stores.pins.saved(userId, SAVED_LIST_MAX);
      const hydrated = await stores.messages.hydrate(rows);
      return { items: hydrated.map((message, i) => ({ message, savedAt: rows[i]!.saved_at.toISOString() })) };
    },
  };
}
export type PinService = ReturnType<typeof createPinService>;
