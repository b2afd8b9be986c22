// The chat-service's REST routes as the client calls them: one typed function per route, no state and
// no store updates (the callers decide what an answer changes). Tokens, refresh and a 401's retry are
// auth.ts's (`auth.api`); uploads go to media-service through uploads.ts.
import type {
  AddMembersBody,
  ChannelsResponse,
  ConversationResponse,
  ConversationsResponse,
  CreateConversationBody,
  CreateInviteBody,
  InvitePreviewResponse,
  InviteResponse,
  InvitesResponse,
  MembersResponse,
  MentionsResponse,
  MessageReceiptsResponse,
  MessagesResponse,
  NotificationsBody,
  SearchResponse,
  UpdateConversationBody,
  UsersResponse,
} from "@messenger/protocol";
import type { Auth } from "./auth";

/** Which page of a conversation's messages: the newest `limit`, or `limit` before / after a seq. */
export type MessagesPage = { limit: number } & (
  | { before?: never; after?: never }
  | { before: number }
  | { after: number }
);

export function createChatApi(auth: Auth) {
  const conversationUrl = (cid: string) => `/api/conversations/${cid}`;
  return {
    conversations: () => auth.api<ConversationsResponse>("/api/conversations"),
    conversation: (cid: string) => auth.api<ConversationResponse>(conversationUrl(cid)),
    messages(cid: string, page: MessagesPage) {
      const from = "before" in page ? `before=${page.before}&` : "after" in page ? `after=${page.after}&` : "";
      return auth.api<MessagesResponse>(`${conversationUrl(cid)}/messages?${from}limit=${page.limit}`);
    },
    createConversation: (body: CreateConversationBody) =>
      auth.api<ConversationResponse>("/api/conversations", { method: "POST", json: body }),
    addMembers: (cid: string, body: AddMembersBody) =>
      auth.api<ConversationResponse>(`${conversationUrl(cid)}/members`, { method: "POST", json: body }),
    removeMember: (cid: string, userId: string) =>
      auth.api<void>(`${conversationUrl(cid)}/members/${userId}`, { method: "DELETE" }),
    // Channels, settings, invite links, mentions, notification settings (issue 13).
    channels(q: string, cursor?: string | null) {
      const after = cursor ? `&cursor=${encodeURIComponent(cursor)}` : "";
      return auth.api<ChannelsResponse>(`/api/channels?q=${encodeURIComponent(q)}${after}`);
    },
    join: (cid: string) => auth.api<ConversationResponse>(`${conversationUrl(cid)}/join`, { method: "POST" }),
    updateConversation: (cid: string, body: UpdateConversationBody) =>
      auth.api<ConversationResponse>(conversationUrl(cid), { method: "PATCH", json: body }),
    setNotifications: (cid: string, body: NotificationsBody) =>
      auth.api<ConversationResponse>(`${conversationUrl(cid)}/notifications`, { method: "PUT", json: body }),
    invites: (cid: string) => auth.api<InvitesResponse>(`${conversationUrl(cid)}/invites`),
    createInvite: (cid: string, body: CreateInviteBody = {}) =>
      auth.api<InviteResponse>(`${conversationUrl(cid)}/invites`, { method: "POST", json: body }),
    revokeInvite: (cid: string, code: string) =>
      auth.api<void>(`${conversationUrl(cid)}/invites/${encodeURIComponent(code)}`, { method: "DELETE" }),
    invitePreview: (code: string) => auth.api<InvitePreviewResponse>(`/api/invites/${encodeURIComponent(code)}`),
    acceptInvite: (code: string) =>
      auth.api<ConversationResponse>(`/api/invites/${encodeURIComponent(code)}/accept`, { method: "POST" }),
    mentions(before?: string | null) {
      return auth.api<MentionsResponse>(`/api/mentions${before ? `?before=${encodeURIComponent(before)}` : ""}`);
    },
    members(cid: string, page: { cursor?: string | null; limit: number }) {
      const cursor = page.cursor ? `&cursor=${encodeURIComponent(page.cursor)}` : "";
      return auth.api<MembersResponse>(`${conversationUrl(cid)}/members?limit=${page.limit}${cursor}`);
    },
    receipts(
      cid: string,
      messageId: string,
      page: { status: "read" | "delivered"; cursor?: string | null; limit: number },
    ) {
      const cursor = page.cursor ? `&cursor=${encodeURIComponent(page.cursor)}` : "";
      return auth.api<MessageReceiptsResponse>(
        `${conversationUrl(cid)}/messages/${messageId}/receipts?status=${page.status}&limit=${page.limit}${cursor}`,
      );
    },
    lookupUsers: (ids: readonly string[]) => auth.api<UsersResponse>(`/api/users/lookup?ids=${ids.join(",")}`),
    searchUsers: (q: string) => auth.api<UsersResponse>(`/api/users?q=${encodeURIComponent(q)}`),
    searchMessages(q: string, conversationId?: string) {
      const scope = conversationId ? `&conversationId=${encodeURIComponent(conversationId)}` : "";
      return auth.api<SearchResponse>(`/api/search?q=${encodeURIComponent(q)}${scope}`);
    },
  };
}
export type ChatApi = ReturnType<typeof createChatApi>;
