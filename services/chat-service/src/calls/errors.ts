// Call-specific entries of the error catalogue (codes from ErrorCode in @messenger/protocol).
import { AppError } from "@messenger/common";

/** Also the answer for a call the user takes no part in: ids reveal nothing. */
export const callNotFound = () => new AppError("call_not_found", 404, "call not found");
export const notDirect = () =>
  new AppError("not_direct", 400, "calls are for direct conversations; start a meeting in a group");
export const notGroupMeeting = () =>
  new AppError("not_group", 400, "meetings are for group conversations; call instead");
export const alreadyInCall = () => new AppError("busy", 409, "you are already in a call");
export const duplicateCall = () => new AppError("conflict", 409, "a call with this id already exists");
export const noMeeting = () => new AppError("not_found", 404, "no meeting is running in this conversation");
export const meetingFull = (max: number) =>
  new AppError(
    "meeting_full",
    409,
    `the built-in group call takes up to ${max} people; an administrator can set up Jitsi for larger meetings`,
  );
