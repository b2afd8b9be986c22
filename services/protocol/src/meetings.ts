// Group meetings: the built-in small-group mesh call (WebRTC between every pair of participants,
// signalled through chat-service) or, when JITSI_DOMAIN is set, a JWT-secured Jitsi room.
import { z } from "zod";
import { Id, Timestamp } from "./models.js";
import { MeetingResponse } from "./rest.js";
import { SignalData } from "./signal.js";

export const MeetingProvider = z.enum(["mesh", "jitsi"]);
export type MeetingProvider = z.infer<typeof MeetingProvider>;

/** A running meeting as every member of its conversation may see it. */
export const MeetingState = z.object({
  id: Id,
  conversationId: Id,
  provider: MeetingProvider,
  startedAt: Timestamp,
  startedBy: Id.nullable(),
  /** Who is in it now (join order). */
  participantIds: z.array(Id),
});
export type MeetingState = z.infer<typeof MeetingState>;

/** `GET /api/conversations/:id/meeting` (members only; 404 otherwise). */
export const MeetingStateResponse = z.object({
  meeting: MeetingState.nullable(),
  /** What "Start meeting" would start here, and how many the built-in call takes. */
  provider: MeetingProvider,
  maxParticipants: z.number().int().positive().nullable(),
});
export type MeetingStateResponse = z.infer<typeof MeetingStateResponse>;

/**
 * `POST /api/conversations/:id/meeting` body. `socketId`: the caller's connected socket, which
 * takes part in the mesh (signals are addressed to it; its disconnect ends its participation).
 */
export const MeetingJoinBody = z.object({ socketId: z.string().min(1).max(64).optional() }).default({});
export type MeetingJoinBody = z.infer<typeof MeetingJoinBody>;

/** Answer of the POST: the provider and what it needs. */
export const MeetingJoinResponse = z.discriminatedUnion("provider", [
  z.object({ provider: z.literal("mesh"), meeting: MeetingState }),
  MeetingResponse.extend({ provider: z.literal("jitsi"), meeting: MeetingState }),
]);
export type MeetingJoinResponse = z.infer<typeof MeetingJoinResponse>;

/** Mesh signalling, like `call:signal` but addressed to one participant (`to`) of the meeting. */
export const MeetingSignalPayload = z.object({
  meetingId: Id,
  to: Id,
  data: SignalData,
});
export type MeetingSignalPayload = z.infer<typeof MeetingSignalPayload>;

export const MeetingIdPayload = z.object({ meetingId: Id });
export type MeetingIdPayload = z.infer<typeof MeetingIdPayload>;

export const MeetingSignalEvent = z.object({
  meetingId: Id,
  from: Id,
  data: z.record(z.string(), z.unknown()),
});
export type MeetingSignalEvent = z.infer<typeof MeetingSignalEvent>;

/** To every member on each join, leave and end (`meeting: null` once it is over). */
export const MeetingUpdatedEvent = z.object({ conversationId: Id, meeting: MeetingState.nullable() });
export type MeetingUpdatedEvent = z.infer<typeof MeetingUpdatedEvent>;
