import type { Db, SessionGate } from "@messenger/common";
import type { FastifyBaseLogger } from "fastify";
import type { MeetingService } from "./calls/meetings.js";
import type { CallService } from "./calls/service.js";
import type { Config } from "./config.js";
import type { Access } from "./domain/access.js";
import type { AuthService } from "./domain/auth.js";
import type { ConversationService } from "./domain/conversations.js";
import type { MessageService } from "./domain/messages.js";
import type { Presence } from "./domain/presence.js";
import type { Limits } from "./limits.js";
import type { Metrics } from "./metrics.js";
import type { Hub } from "./realtime/hub.js";
import type { Stores } from "./store/index.js";

/** Infrastructure every domain service is built from. */
export interface CoreDeps {
  config: Config;
  db: Db;
  hub: Hub;
  log: FastifyBaseLogger;
  access: Access;
  stores: Stores;
  presence: Presence;
  metrics: Metrics;
  /** Is a token's user still active and its session not ended (cached briefly). */
  sessions: SessionGate;
  limits: Limits;
}

/**
 * Everything a route plugin or socket handler factory may use; built once in
 * buildApp (no module-level singletons). `messages.send(..., { kind: "call", call })`
 * posts a call-log message with the same guarantees as a user's message.
 */
export interface AppDeps extends CoreDeps {
  auth: AuthService;
  conversations: ConversationService;
  messages: MessageService;
  calls: CallService;
  meetings: MeetingService;
}
