// The infrastructure the domain services are built from. Kept apart from deps.ts, which also names
// the domain services, so a domain file importing this type never imports itself back.
import type { Db, SessionGate } from "@messenger/common";
import type { FastifyBaseLogger } from "fastify";
import type { Config } from "./config.js";
import type { Access } from "./domain/access.js";
import type { ConversationSizes } from "./domain/conversation-sizes.js";
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
  /** Which conversations are big (BIG_CONVERSATION_MEMBERS), cached briefly. */
  sizes: ConversationSizes;
}
