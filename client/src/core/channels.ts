// Channels and a member's own settings of a conversation: browsing and joining public groups, invite
// links (create, list, revoke, accept), an admin's settings (title, topic, visibility, archive),
// notification settings (also synced from my other devices: membership.ts), and my recent mentions.
import type { Conversation, CreateInviteBody, NotificationSettings, UpdateConversationBody } from "@messenger/protocol";
import type { ChatApi } from "./api";
import type { ChatStores } from "./stores";

export function createChannels(deps: {
  api: ChatApi;
  stores: Pick<ChatStores, "conversations" | "presence" | "users">;
  /** membership.ts: the server's view of a conversation, keeping live activity already applied. */
  applyConversation: (c: Conversation) => void;
}) {
  const { api, applyConversation } = deps;
  const { conversations, users } = deps.stores;

  /** What the server answered for a conversation: into the list at once (its event follows too). */
  const took = ({ conversation }: { conversation: Conversation }) => {
    applyConversation(conversation);
    return conversation;
  };

  return {
    /** Public groups matching `q` (title or topic), by title, a page at a time. */
    browseChannels: (q: string, cursor?: string | null) => api.channels(q, cursor),
    joinChannel: async (cid: string) => took(await api.join(cid)),
    updateConversation: async (cid: string, body: UpdateConversationBody) =>
      took(await api.updateConversation(cid, body)),
    /** Shown at once; the server's answer (and my other devices' event) confirms it. */
    async setNotifications(cid: string, settings: NotificationSettings) {
      const before = conversations.byId(cid);
      if (before) conversations.upsert({ ...before, notifications: settings });
      try {
        return took(await api.setNotifications(cid, settings));
      } catch (e) {
        const now = conversations.byId(cid);
        if (before && now) conversations.upsert({ ...now, notifications: before.notifications });
        throw e;
      }
    },
    invites: async (cid: string) => (await api.invites(cid)).invites,
    createInvite: (cid: string, body?: CreateInviteBody) => api.createInvite(cid, body),
    revokeInvite: (cid: string, code: string) => api.revokeInvite(cid, code),
    invitePreview: async (code: string) => (await api.invitePreview(code)).invite,
    acceptInvite: async (code: string) => took(await api.acceptInvite(code)),
    /** My mentions across my conversations, newest first; the authors are remembered. */
    async mentions(before?: string | null) {
      const page = await api.mentions(before);
      users.know(page.users);
      return page;
    },
  };
}
export type Channels = ReturnType<typeof createChannels>;
