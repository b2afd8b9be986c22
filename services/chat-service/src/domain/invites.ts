import { randomBytes } from "node:crypto";
import { withTransaction } from "@messenger/common";
import type { Conversation, CreateInviteBody, Invite, InvitePreviewResponse } from "@messenger/protocol";
import type { CoreDeps } from "../core-deps.js";
import { archived, notFound, notGroup } from "../errors.js";
import { spend } from "../limits.js";
import type { ConversationInviteRow } from "../store/index.js";
import type { ChannelService } from "./channels.js";
import type { ConversationService } from "./conversations.js";

const DEFAULT_HOURS = 7 * 24;

/**
 * Invite links (the design documents' "access code"): an admin makes a code that lets whoever holds
 * it join a group, private ones included, until it expires, is revoked or is used up. Codes carry
 * 128 random bits, and trying them is rate-limited per user.
 */
export function createInviteService(deps: CoreDeps, conversations: ConversationService, channels: ChannelService) {
  const { db, stores, access, config, limits } = deps;

  const toInvite = (r: ConversationInviteRow): Invite => ({
    code: r.code,
    url: `${(config.PUBLIC_URL ?? "").replace(/\/+$/, "")}/invite/${r.code}`,
    expiresAt: r.expires_at.toISOString(),
    maxUses: r.max_uses,
    uses: r.uses,
  });
  const tried = (userId: string) =>
    spend(limits.inviteAttemptsPerUser, userId, "too many invite codes tried, try later");

  async function requireAdminOfGroup(conversationId: string, userId: string) {
    await access.requireAdmin(conversationId, userId);
    const conv = await stores.conversations.findById(conversationId);
    if (conv?.kind !== "group") throw notGroup();
    return conv;
  }

  return {
    async create(conversationId: string, actorId: string, body: CreateInviteBody): Promise<Invite> {
      const conv = await requireAdminOfGroup(conversationId, actorId);
      if (conv.archived) throw archived();
      const hours = body.expiresInHours ?? DEFAULT_HOURS;
      const row = await stores.conversationInvites.insert({
        code: randomBytes(16).toString("base64url"),
        conversationId,
        createdBy: actorId,
        expiresAt: new Date(Date.now() + hours * 3600_000),
        maxUses: body.maxUses ?? null,
      });
      return toInvite(row);
    },

    async list(conversationId: string, actorId: string): Promise<Invite[]> {
      await requireAdminOfGroup(conversationId, actorId);
      return (await stores.conversationInvites.listLive(conversationId)).map(toInvite);
    },

    async revoke(conversationId: string, actorId: string, code: string): Promise<void> {
      await requireAdminOfGroup(conversationId, actorId);
      if (!(await stores.conversationInvites.revoke(conversationId, code))) throw notFound("invite");
    },

    async preview(code: string, userId: string): Promise<InvitePreviewResponse> {
      await tried(userId);
      const invite = await stores.conversationInvites.findLive(code);
      const conv = invite && (await stores.conversations.findById(invite.conversation_id));
      if (!invite || !conv) throw notFound("invite");
      const memberIds = await stores.conversations.memberIds(conv.id);
      return {
        invite: {
          conversationId: conv.id,
          title: conv.title ?? "",
          topic: conv.topic,
          memberCount: memberIds.length,
          expiresAt: invite.expires_at.toISOString(),
          joined: memberIds.includes(userId),
        },
      };
    },

    /** Joins by code; a member accepting again changes nothing and uses nothing up. */
    async accept(code: string, userId: string): Promise<Conversation> {
      await tried(userId);
      const { conversationId, notice } = await withTransaction(db, async (tx) => {
        const invite = await stores.conversationInvites.findLive(code, tx, true);
        if (!invite) throw notFound("invite");
        const conv = await stores.conversations.lockForUpdate(invite.conversation_id, tx);
        if (!conv) throw notFound("invite");
        if (await stores.conversations.findMember(conv.id, userId, tx))
          return { conversationId: conv.id, notice: null };
        if (conv.archived) throw archived();
        const notice = await channels.addWithNotice(conv.id, userId, tx);
        if (notice) await stores.conversationInvites.use(code, tx);
        return { conversationId: conv.id, notice };
      });
      if (notice) await channels.announceJoin(conversationId, userId, notice);
      return conversations.get(conversationId, userId);
    },
  };
}
export type InviteService = ReturnType<typeof createInviteService>;
