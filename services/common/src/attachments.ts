import type { Attachment, AttachmentKind, AttachmentStatus } from "@messenger/protocol";

/** A row of the `attachments` table, as both services read it. */
export interface AttachmentRow {
  id: string;
  conversation_id: string;
  uploader_id: string;
  message_id: string | null;
  kind: AttachmentKind;
  name: string;
  mime: string;
  size: number;
  width: number | null;
  height: number | null;
  duration_ms: number | null;
  status: AttachmentStatus;
  object_key: string | null;
  thumbnail_key: string | null;
  /** Full-resolution copy of a downscaled photo (migration 008b); absent in rows read before it. */
  original_key?: string | null;
}

/** Same-origin URLs served by media-service (members only, cookie or bearer token). */
export const mediaUrl = (id: string) => `/api/media/${id}`;
export const thumbnailUrl = (id: string) => `/api/media/${id}/thumbnail`;
export const originalUrl = (id: string) => `/api/media/${id}/original`;

/** The one mapping from a row to the wire shape, used by chat-service and media-service. */
export function toAttachment(row: AttachmentRow): Attachment {
  return {
    id: row.id,
    conversationId: row.conversation_id,
    kind: row.kind,
    name: row.name,
    mime: row.mime,
    size: Number(row.size),
    ...(row.width ? { width: row.width } : {}),
    ...(row.height ? { height: row.height } : {}),
    ...(row.duration_ms != null ? { durationMs: row.duration_ms } : {}),
    status: row.status,
    url: mediaUrl(row.id),
    ...(row.thumbnail_key ? { thumbnailUrl: thumbnailUrl(row.id) } : {}),
    ...(row.original_key ? { originalUrl: originalUrl(row.id) } : {}),
  };
}

/** NOTIFY channel media-service signals on when an attachment's status changes; payload = attachment id. */
export const ATTACHMENT_UPDATED_CHANNEL = "attachment_updated";
/** NOTIFY channel: a user's profile changed outside chat-service (media-service: the avatar); payload = user id. */
export const USER_UPDATED_CHANNEL = "user_updated";
