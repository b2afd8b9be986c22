import type { ApiError } from "@messenger/protocol";

/** An error the server described (`{error: {code, message}}`), or one we describe the same way. */
export class RequestError extends Error {
  constructor(
    readonly status: number,
    readonly error: ApiError,
  ) {
    super(error.message);
  }
  get code() {
    return this.error.code;
  }
}

export async function errorFromResponse(res: Response): Promise<RequestError> {
  try {
    const body = (await res.json()) as { error?: ApiError };
    if (body?.error?.code) return new RequestError(res.status, body.error);
  } catch {
    // not JSON: fall through
  }
  return new RequestError(res.status, {
    code: res.status >= 500 ? "internal" : "bad_request",
    message: res.statusText,
  });
}

export const networkError = (): RequestError => new RequestError(0, { code: "network", message: "network error" });
