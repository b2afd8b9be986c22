import type { CoreDeps } from "./core-deps.js";
import type { ConversationService } from "./domain/conversations.js";
import type { MessageService } from "./domain/messages.js";

export type { CoreDeps } from "./core-deps.js";

/**
 * Everything a route plugin or socket handler factory may use; built once in
 * buildApp (no module-level singletons). `messages.send(..., { kind: "call", call })`
 * posts a call-log message with the same guarantees as a user's message.
 */
export interface AppDeps extends CoreDeps {
  conversations: ConversationService;
  messages: MessageService;
}
