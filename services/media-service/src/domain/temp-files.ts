import { readdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";

/** The work dirs uploads and transcodes make in TMP_DIR (mkdtemp prefixes); nothing else there is touched. */
const WORK_DIR = /^(upload|video)-/;

/** Newest mtime of a work dir and its entries: a running upload or ffmpeg keeps writing into one of them. */
async function lastWrite(dir: string): Promise<number> {
  let newest = (await stat(dir)).mtimeMs;
  for (const entry of await readdir(dir).catch(() => [])) {
    const s = await stat(join(dir, entry)).catch(() => null);
    if (s) newest = Math.max(newest, s.mtimeMs);
  }
  return newest;
}

/**
 * Removes the work dirs a crashed process left in `tmpDir` (an upload or a transcode killed mid-way leaves its
 * copy of the file): those not written to for `staleMs`. Each instance sweeps its own TMP_DIR.
 */
export async function sweepTempDir(tmpDir: string, staleMs: number, now = Date.now()): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await readdir(tmpDir).catch(() => [])) {
    if (!WORK_DIR.test(name)) continue;
    const dir = join(tmpDir, name);
    const written = await lastWrite(dir).catch(() => now);
    if (now - written < staleMs) continue;
    await rm(dir, { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}
