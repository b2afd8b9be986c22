import { randomUUID } from "node:crypto";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { type Db, USER_UPDATED_CHANNEL, withTransaction } from "@messenger/common";
import type { FastifyBaseLogger } from "fastify";
import type { Config } from "../config.js";
import { storageFull, unsupportedType } from "../errors.js";
import type { Storage } from "../plugins/storage.js";
import { processAvatar, UndecodableImageError } from "./image.js";
import { cleanName, type IncomingFile, receiveToFile, type Uploads } from "./uploads.js";

export interface AvatarDeps {
  config: Config;
  db: Db;
  storage: Storage;
  scan: Uploads["scan"];
  log: FastifyBaseLogger;
}

/** An avatar's original may be an image of up to this size; the stored one is a 256 px square. */
export const AVATAR_MAX_BYTES = 10 * 1024 * 1024;

/**
 * Profile pictures, through the same gate as every upload (typed from its bytes, size-limited while
 * streaming, scanned, re-encoded without metadata); the user row and a NOTIFY change in one
 * transaction, so chat-service tells the user's contacts at once.
 */
export function createAvatars(deps: AvatarDeps) {
  const { config, db, storage, log } = deps;
  const limits = { ...config.limits, image: Math.min(config.limits.image, AVATAR_MAX_BYTES) };

  /** Points the user at `key` (or initials) and returns the key it replaces (to remove after commit). */
  async function setKey(userId: string, key: string | null): Promise<string | null> {
    return withTransaction(db, async (tx) => {
      const r = await tx.query<{ old: string | null }>(
        `UPDATE users u SET avatar_key = $2 FROM (SELECT avatar_key AS old FROM users WHERE id = $1 FOR UPDATE) o
         WHERE u.id = $1 RETURNING o.old`,
        [userId, key],
      );
      await tx.query("SELECT pg_notify($1, $2)", [USER_UPDATED_CHANNEL, userId]);
      return r.rows[0]?.old ?? null;
    });
  }

  const removeQuietly = (key: string | null) =>
    key ? storage.remove(key).catch((err: unknown) => log.warn({ err, key }, "old avatar not removed")) : undefined;

  return {
    async replace(file: IncomingFile, userId: string): Promise<string> {
      await mkdir(config.tmpDir, { recursive: true });
      const work = await mkdtemp(join(config.tmpDir, "avatar-"));
      try {
        const original = join(work, "original");
        const { detected } = await receiveToFile(file, original, cleanName(file.filename), {
          limits,
          allowedKinds: ["image"],
        });
        if (detected.kind !== "image") throw unsupportedType("an avatar must be an image");
        await deps.scan(original, "image");
        const out = join(work, "avatar.webp");
        try {
          await processAvatar(original, out);
        } catch (err) {
          if (err instanceof UndecodableImageError) throw unsupportedType("the image could not be decoded");
          throw err;
        }
        const key = `avatars/${userId}/${randomUUID()}.webp`;
        await storage.putFile(key, out, "image/webp");
        let old: string | null;
        try {
          old = await setKey(userId, key);
        } catch (err) {
          await storage.remove(key).catch(() => {});
          throw err;
        }
        await removeQuietly(old);
        return key;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOSPC") throw storageFull();
        throw err;
      } finally {
        await rm(work, { recursive: true, force: true });
      }
    },

    /** Back to initials. */
    async remove(userId: string): Promise<void> {
      await removeQuietly(await setKey(userId, null));
    },

    async keyOf(userId: string): Promise<string | null> {
      const r = await db.query<{ avatar_key: string | null }>("SELECT avatar_key FROM users WHERE id = $1", [userId]);
      return r.rows[0]?.avatar_key ?? null;
    },
  };
}
export type Avatars = ReturnType<typeof createAvatars>;
