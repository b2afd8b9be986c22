import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import S3rver from "@20minutes/s3rver";

/** Connection parameters for the `minio` client, named like media-service's MINIO_* settings. */
export interface RunningS3 {
  endPoint: string;
  port: number;
  useSSL: false;
  accessKey: string;
  secretKey: string;
  region: string;
  /** The temp dir holding the objects. */
  directory: string;
  stop(): Promise<void>;
}

/** Default credentials of @20minutes/s3rver (it verifies SigV4 signatures against them). */
export const S3RVER_CREDENTIALS = { accessKey: "S3RVER", secretKey: "S3RVER" } as const;

/**
 * An S3-compatible server (@20minutes/s3rver) on a free loopback port, storing in a temp dir.
 * `credentials`: a key pair of the caller's that it accepts as well (it still verifies SigV4 signatures
 * against them), e.g. the strong MINIO_* secrets production demands instead of the public default.
 */
export async function startS3(
  opts: { directory?: string; credentials?: { accessKey: string; secretKey: string } } = {},
): Promise<RunningS3> {
  const directory = opts.directory ?? (await mkdtemp(join(tmpdir(), "s3rver-")));
  if (opts.credentials) {
    // s3rver's one account holds its access keys in a process-wide registry (lib/models/account.js).
    const { DUMMY_ACCOUNT } = createRequire(import.meta.url)("@20minutes/s3rver/lib/models/account.js") as {
      DUMMY_ACCOUNT: { createKeyPair(accessKey: string, secretKey: string): void };
    };
    DUMMY_ACCOUNT.createKeyPair(opts.credentials.accessKey, opts.credentials.secretKey);
  }
  const server = new S3rver({ address: "127.0.0.1", port: 0, directory, silent: true });
  const { port } = (await server.run()) as { port: number };
  return {
    endPoint: "127.0.0.1",
    port,
    useSSL: false,
    ...(opts.credentials ?? S3RVER_CREDENTIALS),
    region: "us-east-1",
    directory,
    async stop() {
      await server.close();
      if (!opts.directory) await rm(directory, { recursive: true, force: true });
    },
  };
}
