import { createReadStream } from "node:fs";
import { mkdir, stat } from "node:fs/promises";
import { type ClientRequest, request as httpRequest, type IncomingMessage, type RequestOptions } from "node:http";
import { request as httpsRequest } from "node:https";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type S3rver from "@20minutes/s3rver";
import fp from "fastify-plugin";
import * as Minio from "minio";
import type { Config } from "../config.js";
import { StorageUnavailableError, storageFull } from "../errors.js";

export interface Storage {
  bucket: string;
  client: Minio.Client;
  /** Uploads a file from disk, streamed with its known length. */
  putFile(key: string, path: string, contentType: string): Promise<number>;
  get(key: string, range?: { start: number; end: number }): Promise<Readable>;
  size(key: string): Promise<number>;
  remove(key: string): Promise<void>;
  presignGet(key: string, ttlSeconds: number, headers: { contentType: string; disposition: string }): Promise<string>;
  ping(): Promise<boolean>;
}

/**
 * A request to S3 that has not had its response headers within `timeoutMs` is destroyed (a hung MinIO never
 * closes the connection). The body then streams at its consumer's pace: a download at the browser's, a
 * transcode's under its job's wall clock.
 */
function withResponseDeadline(req: ClientRequest, timeoutMs: number): ClientRequest {
  const timer = setTimeout(
    () => req.destroy(new StorageUnavailableError(`S3 gave no response within ${timeoutMs} ms`)),
    timeoutMs,
  );
  const clear = () => clearTimeout(timer);
  req.once("response", clear).once("close", clear);
  return req;
}

/** The minio client's transport (node:http or https) with the response deadline on every request. */
export function deadlineTransport(useSSL: boolean, timeoutMs: number): Pick<typeof import("node:http"), "request"> {
  const request = useSSL ? httpsRequest : httpRequest;
  return {
    // minio-js calls request(options, callback) only.
    request: ((options: RequestOptions, callback?: (res: IncomingMessage) => void) =>
      withResponseDeadline(request(options, callback), timeoutMs)) as typeof httpRequest,
  };
}

/** Any failure to reach S3 becomes a 503 `storage_unavailable`; S3's own 4xx answers (e.g. NotFound) stay. */
async function reachable<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof StorageUnavailableError) throw err;
    const e = err as { code?: string; syscall?: string };
    if (e.syscall || /ECONN|ETIMEDOUT|EPIPE|socket hang up/.test(`${e.code} ${err}`)) {
      throw new StorageUnavailableError(`${what}: ${err}`);
    }
    throw err;
  }
}

export function createStorage(client: Minio.Client, bucket: string, timeoutMs = 15_000): Storage {
  return {
    bucket,
    client,
    async putFile(key, path, contentType) {
      const { size } = await stat(path);
      // minio-js reads a whole object into memory when it fits in one part, and s3rver has no multipart, so
      // stream the file to a short-lived presigned PUT URL with a Content-Length instead: constant memory on
      // s3rver and real MinIO alike (single PUT objects up to 5 GiB).
      const url = new URL(await client.presignedPutObject(bucket, key, 15 * 60));
      const req = (url.protocol === "https:" ? httpsRequest : httpRequest)(url, {
        method: "PUT",
        headers: { "content-length": size, "content-type": contentType },
      });
      // A large file takes longer than the deadline to send, so here it is a stall: no byte moving either way
      // (not connecting, S3 not reading, or no answer once all is sent) for that long.
      req.setTimeout(timeoutMs, () => req.destroy(new StorageUnavailableError(`S3 PUT ${key} stalled`)));
      const response = new Promise<void>((resolve, reject) => {
        req.on("response", (res) => {
          let body = "";
          res.on("data", (d) => {
            body += d;
          });
          res.on("end", () => {
            if (res.statusCode === 200) return resolve();
            if (res.statusCode === 507 || body.includes("XMinioStorageFull")) return reject(storageFull());
            const detail = `S3 PUT ${key}: ${res.statusCode} ${body.slice(0, 500)}`;
            reject(res.statusCode && res.statusCode >= 500 ? new StorageUnavailableError(detail) : new Error(detail));
          });
          res.on("error", reject);
        });
        req.on("error", reject);
      });
      await reachable(`PUT ${key}`, () => Promise.all([pipeline(createReadStream(path), req), response]));
      return size;
    },
    get(key, range) {
      return reachable(`GET ${key}`, () =>
        range
          ? client.getPartialObject(bucket, key, range.start, range.end - range.start + 1)
          : client.getObject(bucket, key),
      );
    },
    async size(key) {
      return (await reachable(`HEAD ${key}`, () => client.statObject(bucket, key))).size;
    },
    async remove(key) {
      await reachable(`DELETE ${key}`, () => client.removeObject(bucket, key));
    },
    presignGet(key, ttlSeconds, headers) {
      return client.presignedGetObject(bucket, key, ttlSeconds, {
        "response-content-type": headers.contentType,
        "response-content-disposition": headers.disposition,
      });
    },
    async ping() {
      try {
        return await client.bucketExists(bucket);
      } catch {
        return false;
      }
    },
  };
}

declare module "fastify" {
  interface FastifyInstance {
    storage: Storage;
  }
}

/** MinIO client on the configured endpoint, or on an embedded S3 server when none is configured. */
export default fp(
  async (app, opts: { s3: Config["s3"]; timeoutMs: number }) => {
    let { endPoint, port, useSSL } = opts.s3;
    let embedded: S3rver | undefined;
    if (!endPoint) {
      // A development dependency (zero-config start and tests): production images do not carry it.
      const { default: S3rverServer } = await import("@20minutes/s3rver").catch(() => {
        throw new Error("no MINIO_ENDPOINT set, and the embedded S3 server is not installed: set MINIO_ENDPOINT");
      });
      await mkdir(opts.s3.localDir, { recursive: true });
      embedded = new S3rverServer({
        address: "127.0.0.1",
        port: opts.s3.port,
        directory: opts.s3.localDir,
        silent: true,
      });
      ({ port } = await embedded.run());
      endPoint = "127.0.0.1";
      useSSL = false;
      app.log.info(
        { port, dir: opts.s3.localDir },
        "embedded S3 server (s3rver) started: set MINIO_ENDPOINT in production",
      );
    }
    const client = new Minio.Client({
      endPoint,
      port,
      useSSL,
      accessKey: opts.s3.accessKey,
      secretKey: opts.s3.secretKey,
      region: opts.s3.region,
      pathStyle: true,
      transport: deadlineTransport(useSSL, opts.timeoutMs),
    });
    if (!(await client.bucketExists(opts.s3.bucket))) {
      await client.makeBucket(opts.s3.bucket, opts.s3.region).catch(async (err) => {
        // Two instances starting together may both try; losing that race is fine.
        if (!(await client.bucketExists(opts.s3.bucket))) throw err;
      });
    }
    app.decorate("storage", createStorage(client, opts.s3.bucket, opts.timeoutMs));
    app.addHook("onClose", async () => {
      await embedded?.close();
    });
  },
  { name: "storage" },
);
