// Attachments on their way to media-service: the XMLHttpRequest upload (progress, cancel; fetch cannot
// report upload progress) and driving the uploads store from it, with one retry after a refreshed token.
// The finished attachment is sent with a message by outbox.ts.
import type { ApiError, UploadResponse } from "@messenger/protocol";
import type { UploadsStore } from "../stores/uploads";
import type { Auth } from "./auth";
import { newClientId } from "./ids";

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

/** Uploads shown in the uploads store until they are sent with a message or cancelled. */
export function createUploads(deps: { auth: Auth; uploads: UploadsStore }) {
  const { auth, uploads } = deps;
  const aborts = new Map<string, () => void>();

  function upload(cid: string, file: File) {
    const localId = newClientId();
    uploads.add({ localId, conversationId: cid, name: file.name, size: file.size, progress: 0, status: "uploading" });
    const start = (retried: boolean) => {
      const h = uploadFile({
        token: auth.accessToken(),
        conversationId: cid,
        file,
        onProgress: (f) => uploads.progress(localId, f),
      });
      aborts.set(localId, h.abort);
      h.promise.then(
        (a) => {
          aborts.delete(localId);
          uploads.done(localId, a);
        },
        async (e: unknown) => {
          aborts.delete(localId);
          const err = e instanceof UploadError ? e : new UploadError(0, { code: "network", message: String(e) });
          if (err.error.code === "cancelled") return uploads.remove(localId);
          if (err.status === 401 && !retried && (await auth.refresh().catch(() => false))) return start(true);
          uploads.failed(localId, err.error);
        },
      );
    };
    start(false);
    return localId;
  }

  return {
    upload,
    cancel(localId: string) {
      aborts.get(localId)?.();
      uploads.remove(localId);
    },
    dispose() {
      for (const abort of aborts.values()) abort();
    },
  };
}
