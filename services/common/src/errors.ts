import type { ApiError, ErrorCode } from "@messenger/protocol";
import type { FastifyError, FastifyInstance } from "fastify";
import { ZodError } from "zod";

/** A failure meant for the client: its code and message are sent as they are. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
    this.name = "AppError";
  }
}

export const badRequest = (message: string) => new AppError("bad_request", 400, message);
export const unauthorized = (message = "sign in first") => new AppError("unauthorized", 401, message);
export const forbidden = (message = "not allowed") => new AppError("forbidden", 403, message);
export const notFound = (what = "resource") => new AppError("not_found", 404, `${what} not found`);
export const rateLimited = (message = "too many requests, slow down") => new AppError("rate_limited", 429, message);

export function zodMessage(err: ZodError): string {
  return err.issues
    .slice(0, 5)
    .map((i) => (i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message))
    .join("; ");
}

/** A schema may name its refusal (`params: { code }`, e.g. `too_long`); otherwise `bad_request`. */
function zodCode(err: ZodError): ErrorCode {
  for (const i of err.issues) {
    const code = i.code === "custom" ? (i.params as { code?: unknown } | undefined)?.code : undefined;
    if (typeof code === "string") return code as ErrorCode;
  }
  return "bad_request";
}

/** Maps any thrown value to what the client may see: known codes pass, 5xx internals are hidden. */
export function toApiError(err: unknown): { status: number; error: ApiError } {
  if (err instanceof AppError) return { status: err.statusCode, error: { code: err.code, message: err.message } };
  if (err instanceof ZodError) return { status: 400, error: { code: zodCode(err), message: zodMessage(err) } };
  // A row it refers to went away meanwhile (say, an account deleted while its token is still cached).
  if ((err as { code?: unknown }).code === "23503")
    return { status: 409, error: { code: "conflict", message: "it refers to something that no longer exists" } };
  const fe = err as Partial<FastifyError>;
  const status = typeof fe.statusCode === "number" ? fe.statusCode : 500;
  if (status === 413) return { status, error: { code: "too_large", message: "request body too large" } };
  if (status === 429) return { status, error: { code: "rate_limited", message: "too many requests, slow down" } };
  if (status === 415)
    return { status, error: { code: "unsupported_type", message: fe.message ?? "unsupported media type" } };
  if (status >= 400 && status < 500) {
    return { status, error: { code: "bad_request", message: fe.message ?? "bad request" } };
  }
  return { status: 500, error: { code: "internal", message: "internal error" } };
}

/** One error handler for every service: `{ error: { code, message } }`, 5xx logged and hidden. */
export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((err, request, reply) => {
    const { status, error } = toApiError(err);
    if (status >= 500) request.log.error({ err }, "request failed");
    reply.status(status).send({ error });
  });
  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send({ error: { code: "not_found", message: `no route ${request.method} ${request.url}` } });
  });
}
