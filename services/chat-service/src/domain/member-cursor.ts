import { badRequest } from "../errors.js";

// A members page's cursor: where the previous page ended, in join order (opaque to clients).
export const encodeCursor = (m: { joined_at_text: string; user_id: string }) =>
  Buffer.from(JSON.stringify([m.joined_at_text, m.user_id])).toString("base64url");
export function decodeCursor(cursor: string): { joinedAt: string; userId: string } {
  try {
    const [joinedAt, userId] = JSON.parse(Buffer.from(cursor, "base64url").toString()) as [unknown, unknown];
    if (typeof joinedAt !== "string" || Number.isNaN(Date.parse(joinedAt))) throw new Error("bad cursor");
    if (typeof userId !== "string" || !/^[0-9a-f-]{36}$/.test(userId)) throw new Error("bad cursor");
    return { joinedAt, userId };
  } catch {
    throw badRequest("cursor: not one this server gave out");
  }
}
