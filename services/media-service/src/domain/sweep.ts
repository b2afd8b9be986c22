import type { FastifyBaseLogger } from "fastify";
import type { Storage } from "../plugins/storage.js";
import type { AttachmentStore } from "../store/attachments.js";
import { objectKeys } from "./uploads.js";

/**
 * Removes what nobody can reach any more: uploads never sent within `unsentHours` (a closed tab, a cancelled
 * message) and the files of deleted messages. Objects first, then the row, so a crash leaves a row to retry.
 */
export function createSweeper(deps: {
  attachments: AttachmentStore;
  storage: Storage;
  log: FastifyBaseLogger;
  unsentHours: number;
}) {
  return {
    async sweep(batch = 200): Promise<number> {
      let removed = 0;
      for (;;) {
        const rows = await deps.attachments.findSweepable(deps.unsentHours, batch);
        for (const row of rows) {
          const keys = objectKeys(row.id);
          await Promise.all(
            [keys.media, keys.thumbnail, keys.original].map((k) => deps.storage.remove(k).catch(() => {})),
          );
          await deps.attachments.delete(row.id);
        }
        removed += rows.length;
        if (rows.length < batch) break;
      }
      if (removed) deps.log.info({ removed }, "swept unreachable attachments");
      return removed;
    },
  };
}
