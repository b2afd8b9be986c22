// The chat-service's error catalogue: every code a client can see (see ErrorCode in @messenger/protocol).
import { AppError } from "@messenger/common";

export { AppError, badRequest, forbidden, notFound, rateLimited, unauthorized } from "@messenger/common";

export const usernameTaken = () => new AppError("username_taken", 409, "that username is taken");
export const invalidCredentials = () => new AppError("invalid_credentials", 401, "wrong username or password");
export const invalidRefreshToken = () =>
  new AppError("invalid_refresh_token", 401, "refresh token is invalid, expired or already used");
export const invalidAttachment = () =>
  new AppError(
    "invalid_attachment",
    400,
    "attachments must be your own unsent, non-failed uploads to this conversation",
  );
export const conflict = (message: string) => new AppError("conflict", 409, message);
export const notGroup = () => new AppError("not_group", 400, "only group conversations have members to change");
export const weakPassword = (hint: string) =>
  new AppError("weak_password", 400, `password is too easy to guess${hint ? ` (${hint})` : ""}: use a longer phrase`);
/** A per-object cap (reactions on a message, sockets of a user) is reached. */
export const tooMany = (message: string) => new AppError("too_many", 409, message);
/** The conversation is archived: read-only until an admin unarchives it. */
export const archived = () => new AppError("archived", 409, "this conversation is archived (read-only)");
/** `threadRootId` is not a top-level message of the conversation. */
export const invalidThreadRoot = () =>
  new AppError("invalid_thread_root", 400, "threadRootId must be a top-level message of this conversation");

// People and administration.
export const registrationClosed = (message = "this workspace is not taking new accounts") =>
  new AppError("registration_closed", 403, message);
export const inviteInvalid = (message = "that invite is unknown, used, revoked or expired") =>
  new AppError("invite_invalid", 403, message);
export const emailDomainNotAllowed = () =>
  new AppError("email_domain_not_allowed", 403, "accounts here need an email address of the company's domain");
export const emailTaken = () => new AppError("email_taken", 409, "an account with that email address exists");
export const accountDeactivated = () =>
  new AppError("account_deactivated", 403, "this account was deactivated by an administrator");
export const passwordLoginDisabled = () =>
  new AppError("password_login_disabled", 403, "sign in with your company account instead");
export const wrongPassword = () => new AppError("invalid_credentials", 400, "the current password is wrong");
