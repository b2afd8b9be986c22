import { AppError } from "@messenger/common";

export { badRequest, forbidden, notFound, unauthorized } from "@messenger/common";

// The errors only media-service raises; everything goes through @messenger/common's one error handler.
export const tooLarge = (limit: number) =>
  new AppError("too_large", 413, `file too large (limit ${Math.floor(limit / (1024 * 1024))} MB for this type)`);
export const unsupportedType = (message = "this type of file is not accepted") =>
  new AppError("unsupported_type", 415, message);
/** The message carries the signature name, so the uploader learns what was found. */
export const infected = (signature: string) => new AppError("infected", 422, signature);
/** clamd could not look inside (an encrypted archive or document): refused, since it may hide anything. */
export const unscannable = () =>
  new AppError(
    "unscannable",
    422,
    "encrypted archives and documents cannot be checked for viruses; send the file without a password",
  );
export const scannerUnavailable = () =>
  new AppError("scanner_unavailable", 503, "the virus scanner is unavailable, nothing was stored; try again later");
export const notReady = (status: string) =>
  new AppError("conflict", 409, status === "failed" ? "processing failed" : "still processing");
/** Duration, size, frame rate or frame count beyond the configured limits: the message says which. */
export const videoLimitExceeded = (message: string) => new AppError("video_limit_exceeded", 422, message);
/** S3/MinIO did not answer in time or refused: nothing was stored; the client may try again. */
export class StorageUnavailableError extends AppError {
  constructor(detail: string) {
    super("storage_unavailable", 503, "file storage is unavailable, nothing was stored; try again later");
    this.cause = detail;
  }
}
export const storageFull = () =>
  new AppError("storage_full", 507, "the server has no space left for this file; tell your administrator");
export const originNotAllowed = () =>
  new AppError(
    "origin_not_allowed",
    403,
    "a request signed in by cookie must come from the app's own page (Origin); API clients send a Bearer token",
  );
