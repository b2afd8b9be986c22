import type { ApiError, UploadResponse } from "@messenger/protocol";

export interface UploadHandle {
  promise: Promise<UploadResponse["attachment"]>;
  abort(): void;
}

export class UploadError extends Error {
  constructor(
    readonly status: number,
    readonly error: ApiError,
  ) {
    super(error.message);
  }
}

/**
 * POST /api/media with XMLHttpRequest, because fetch cannot report upload progress.
 * Field order matters: the service reads `conversationId` before it streams `file`.
 */
export function uploadFile(opts: {
  url?: string;
  token: string | null;
  conversationId: string;
  file: File;
  onProgress(fraction: number): void;
}): UploadHandle {
  const xhr = new XMLHttpRequest();
  const promise = new Promise<UploadResponse["attachment"]>((resolve, reject) => {
    xhr.open("POST", opts.url ?? "/api/media");
    if (opts.token) xhr.setRequestHeader("authorization", `Bearer ${opts.token}`);
    xhr.responseType = "json";
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) opts.onProgress(e.loaded / e.total);
    };
    xhr.onload = () => {
      const body = xhr.response as (UploadResponse & { error?: ApiError }) | null;
      if (xhr.status >= 200 && xhr.status < 300 && body?.attachment) resolve(body.attachment);
      else
        reject(
          new UploadError(
            xhr.status,
            body?.error ?? { code: statusCode(xhr.status), message: xhr.statusText || `HTTP ${xhr.status}` },
          ),
        );
    };
    xhr.onerror = () => reject(new UploadError(0, { code: "network", message: "network error" }));
    xhr.onabort = () => reject(new UploadError(0, { code: "cancelled", message: "cancelled" }));
    const form = new FormData();
    form.append("conversationId", opts.conversationId);
    form.append("file", opts.file, opts.file.name);
    xhr.send(form);
  });
  return { promise, abort: () => xhr.abort() };
}

/** A proxy may answer 413 before the service sees the body: name the code anyway. */
function statusCode(status: number): string {
  if (status === 413) return "too_large";
  if (status === 415) return "unsupported_type";
  if (status === 503) return "scanner_unavailable";
  if (status === 401) return "unauthorized";
  return "internal";
}
