// "Seen by N" in big groups: who read or received a message comes from the server on demand
// (`GET …/messages/:messageId/receipts`), since the client holds no member list there. Reads of my
// messages still arrive live as receipts; each bumps the conversation's counter here, which tells
// an open "seen by" to ask again.
import type { MessageReceiptsResponse } from "@messenger/protocol";
import type { ChatApi } from "./api";
import type { ChatSocket } from "./socket";
import type { ChatStores } from "./stores";

export function createSeen(deps: {
  socket: ChatSocket;
  api: ChatApi;
  stores: Pick<ChatStores, "users" | "liveReads">;
}) {
  const { api, socket } = deps;
  const reads = deps.stores.liveReads;
  socket.on("receipt", (r) => {
    if (r.kind === "read") reads.update((s) => ({ ...s, [r.conversationId]: (s[r.conversationId] ?? 0) + 1 }));
  });
  return {
    /** How many have read / received a message, and a page of who (in join order). */
    async receipts(
      cid: string,
      messageId: string,
      page: { status?: "read" | "delivered"; cursor?: string | null; limit?: number } = {},
    ): Promise<MessageReceiptsResponse> {
      const res = await api.receipts(cid, messageId, {
        status: page.status ?? "read",
        cursor: page.cursor,
        limit: page.limit ?? 50,
      });
      deps.stores.users.know(res.users);
      return res;
    },
  };
}
