#!/usr/bin/env node
// Copies the media bucket to a directory and back, with the same S3 client and settings as
// media-service (MINIO_ENDPOINT, MINIO_PORT, MINIO_USE_SSL, MINIO_ACCESS_KEY, MINIO_SECRET_KEY,
// MINIO_REGION, MINIO_BUCKET): works with MinIO and any S3-compatible server, no `mc` image needed.
//   node scripts/deploy/bucket.mjs download <dir>   every object → <dir>/<key> (skips files already there)
//   node scripts/deploy/bucket.mjs upload <dir>     every file under <dir> → the bucket (creates it)
import { createWriteStream } from "node:fs";
import { mkdir, readdir, stat } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import { pipeline } from "node:stream/promises";
import * as Minio from "minio";

const [command, dir] = process.argv.slice(2);
if (!["download", "upload"].includes(command) || !dir) {
  console.error("usage: bucket.mjs download|upload <dir>");
  process.exit(2);
}
const env = process.env;
for (const name of ["MINIO_ENDPOINT", "MINIO_ACCESS_KEY", "MINIO_SECRET_KEY"]) {
  if (!env[name]) {
    console.error(`bucket.mjs: set ${name}`);
    process.exit(2);
  }
}
const bucket = env.MINIO_BUCKET || "media";
const client = new Minio.Client({
  endPoint: env.MINIO_ENDPOINT,
  port: Number(env.MINIO_PORT || 9000),
  useSSL: env.MINIO_USE_SSL === "true" || env.MINIO_USE_SSL === "1",
  accessKey: env.MINIO_ACCESS_KEY,
  secretKey: env.MINIO_SECRET_KEY,
  region: env.MINIO_REGION || "us-east-1",
  pathStyle: true,
});
// Every request is bounded: a server that stops answering fails the backup instead of hanging it.
client.setRequestOptions({ timeout: Number(env.BUCKET_TIMEOUT_MS || 120_000) });

let count = 0;
if (command === "download") {
  for await (const object of client.listObjectsV2(bucket, "", true)) {
    if (!object.name) continue;
    const target = join(dir, ...object.name.split("/"));
    const have = await stat(target).catch(() => null);
    if (have && have.size === object.size) continue; // incremental: keys never change content
    await mkdir(dirname(target), { recursive: true });
    await pipeline(await client.getObject(bucket, object.name), createWriteStream(target));
    count++;
  }
} else {
  if (!(await client.bucketExists(bucket))) await client.makeBucket(bucket, env.MINIO_REGION || "us-east-1");
  const walk = async (d) => {
    for (const entry of await readdir(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) await walk(path);
      else {
        const { size } = await stat(path);
        // One PUT per object (a part size above the file's): S3 servers without multipart take it too.
        await client.fPutObject(bucket, relative(dir, path).split(sep).join("/"), path, {
          partSize: Math.max(5 * 1024 * 1024, size + 1),
        });
        count++;
      }
    }
  };
  await walk(dir);
}
console.log(`bucket.mjs: ${command}ed ${count} object(s) ${command === "download" ? "from" : "to"} ${bucket}`);
