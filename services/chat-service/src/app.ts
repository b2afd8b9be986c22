import cookie from "@fastify/cookie";
import {
  createSessionGate,
  type Db,
  echoRequestId,
  installErrorHandlers,
  parseTrustedProxies,
  proxiedServerOptions,
} from "@messenger/common";
import Fastify, { type FastifyInstance, type FastifyServerOptions } from "fastify";
import { createCallsModule } from "./calls/wiring.js";
import type { Config } from "./config.js";
import type { AppDeps, CoreDeps } from "./deps.js";
import { createAccess } from "./domain/access.js";
import { createAccountService } from "./domain/account.js";
import { createAdminService } from "./domain/admin.js";
import { createAuthService } from "./domain/auth.js";
import { createChannelService } from "./domain/channels.js";
import { createConversationSizes } from "./domain/conversation-sizes.js";
import { createConversationService } from "./domain/conversations.js";
import { createInviteService } from "./domain/invites.js";
import { createMentionService } from "./domain/mentions.js";
import { createMessageService } from "./domain/messages.js";
import { createPinService } from "./domain/pins.js";
import { createReceiptService } from "./domain/receipts.js";
import { createSearchService } from "./domain/search.js";
import { createThreadService } from "./domain/threads.js";
import { createWorkspaceService } from "./domain/workspace.js";
import { createLimits, memoryLimiter } from "./limits.js";
import { createMetrics } from "./metrics.js";
import { authPlugin } from "./plugins/auth.js";
import { databasePlugin } from "./plugins/database.js";
import { redisPlugin } from "./plugins/redis.js";
import { socketServerPlugin } from "./plugins/socket-server.js";
import { createPushModule, type PushOptions } from "./push/module.js";
import { pushRoutes } from "./push/routes.js";
import { type AttachmentListener, startAttachmentListener } from "./realtime/attachments.js";
import { type ChatServer, createHub } from "./realtime/hub.js";
import { registerRealtime } from "./realtime/index.js";
import { accountRoutes } from "./routes/account.js";
import { adminRoutes } from "./routes/admin.js";
import { authRoutes } from "./routes/auth.js";
import { callRoutes } from "./routes/calls.js";
import { channelRoutes } from "./routes/channels.js";
import { conversationRoutes } from "./routes/conversations.js";
import { healthRoutes } from "./routes/health.js";
import { meetingRoutes } from "./routes/meetings.js";
import { pinRoutes } from "./routes/pins.js";
import { threadRoutes } from "./routes/threads.js";
import { userRoutes } from "./routes/users.js";
import { createStores } from "./store/index.js";

export type { Config } from "./config.js";
export { loadConfig } from "./config.js";
export type { AppDeps } from "./deps.js";

declare module "fastify" {
  interface FastifyInstance {
    /** Everything the app is built from (tests and plugins may inspect it). */
    deps: AppDeps;
    /** The socket.io server (plugins/socket-server.ts). */
    io: ChatServer;
    attachmentListener: AttachmentListener;
  }
}

export interface BuildOptions {
  /** Fastify logger options (server.ts passes pino settings; tests usually none). */
  logger?: FastifyServerOptions["logger"];
  /** Use this pool instead of creating one from DATABASE_URL (it is then not closed by the app). */
  db?: Db;
  /** Web Push pieces a test swaps (the connection pool to its push-service stand-in). */
  push?: PushOptions;
}

// Chat bodies are small JSON; anything larger is refused with 413 before parsing.
const BODY_LIMIT = 64 * 1024;

/** The whole chat-service: REST under /api and socket.io on the same HTTP server. */
export async function buildApp(config: Config, opts: BuildOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: opts.logger ?? false,
    bodyLimit: BODY_LIMIT,
    ...proxiedServerOptions(parseTrustedProxies(config.TRUSTED_PROXIES)),
  });
  installErrorHandlers(app);
  echoRequestId(app);

  const metrics = createMetrics();
  // Infrastructure, each a plugin that closes itself, in reverse order: sockets, then Redis, then the pool.
  await app.register(databasePlugin, { url: config.DATABASE_URL, pool: opts.db });
  await app.register(redisPlugin, { config, onSyncHint: () => metrics.syncHints.inc() });
  await app.register(socketServerPlugin);
  const { db, io, redis, presence } = app;

  const stores = createStores(db);
  const core: CoreDeps = {
    config,
    db,
    hub: createHub(io),
    log: app.log,
    access: createAccess(stores),
    stores,
    presence,
    metrics,
    sessions: createSessionGate(db, { secret: config.JWT_SECRET, cacheMs: config.SESSION_CHECK_MS }),
    limits: createLimits(redis?.limiter ?? memoryLimiter, config),
    sizes: createConversationSizes(stores, config),
  };
  const conversations = createConversationService(core);
  const channels = createChannelService(core, conversations);
  const messages = createMessageService(core);
  const workspace = createWorkspaceService(core);
  const account = createAccountService(core);
  const domain = {
    ...core,
    workspace,
    account,
    auth: createAuthService({ ...core, workspace }),
    conversations,
    messages,
    receipts: createReceiptService(core),
    threads: createThreadService(core),
    pins: createPinService({ ...core, messages }),
    search: createSearchService(core),
    channels,
    channelInvites: createInviteService(core, conversations, channels),
    mentions: createMentionService(core),
  };
  // Web Push hears of new messages and reads after commit, and of ringing calls (calls/wiring.ts).
  const push = await createPushModule({ ...domain, focus: app.focus }, opts.push);
  domain.messages.onCreated(push.notifier.messageCreated);
  domain.receipts.onRead(push.notifier.read);
  const callsModule = createCallsModule({ ...domain, push });
  const admin = createAdminService({ ...core, workspace, account, endCallsOf: callsModule.calls.endCallsOf });
  const deps: AppDeps = { ...domain, push, ...callsModule, admin };
  app.decorate("deps", deps);

  const realtime = registerRealtime(io, deps);
  const attachmentListener = startAttachmentListener(deps);
  app.decorate("attachmentListener", attachmentListener);

  await app.register(cookie);
  await app.register(authPlugin, { sessions: deps.sessions });
  await app.register(healthRoutes, { deps, redis: redis ?? undefined });
  await app.register(authRoutes, { prefix: "/api", deps });
  await app.register(userRoutes, { prefix: "/api", deps });
  await app.register(accountRoutes, { prefix: "/api", deps });
  await app.register(adminRoutes, { prefix: "/api/admin", deps });
  await app.register(conversationRoutes, { prefix: "/api", deps });
  await app.register(channelRoutes, { prefix: "/api", deps });
  await app.register(threadRoutes, { prefix: "/api", deps });
  await app.register(pinRoutes, { prefix: "/api", deps });
  // Calls and meetings (calls module): one line each here.
  await app.register(callRoutes, { prefix: "/api", deps });
  await app.register(meetingRoutes, { prefix: "/api", deps });
  await app.register(pushRoutes, { prefix: "/api", deps });

  app.addHook("preClose", async () => {
    // Sockets first, so clients reconnect elsewhere while we finish.
    io.local.disconnectSockets(true);
    // Let their disconnect handling (presence counts, lastSeenAt) finish while the pool and Redis are up.
    await realtime.drain();
  });
  // Runs before the infrastructure plugins close (hooks close in reverse order of registration).
  app.addHook("onClose", async () => {
    realtime.close();
    deps.calls.close();
    deps.push.close();
    // Receipts gathered in a big conversation's window are written before the pool closes.
    await deps.receipts.close();
    await attachmentListener.close();
  });
  return app;
}
