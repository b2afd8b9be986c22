// A PDF's first page as a thumbnail. Runs only on the scanned copy, after the scan passed (uploads.ts),
// under a wall clock (SIGKILL) and an address-space and CPU limit (prlimit), so a hostile or broken PDF
// costs a bounded amount and ends as "no preview", never as a failed upload or a stuck worker.
import { stat } from "node:fs/promises";
import sharp from "sharp";
import type { Config } from "../config.js";
import { THUMBNAIL_SIDE } from "./image.js";
import { runTool } from "./video.js";

/** Rendered at twice the thumbnail's side, so the thumbnail stays sharp on a high-density screen. */
const RENDER_SIDE = THUMBNAIL_SIDE * 2;

export interface DocumentPreview {
  path: string;
  mime: string;
  width: number;
  height: number;
}

/**
 * Renders page 1 of `pdf` to `${outBase}.png` with pdftoppm, then re-encodes it as a ≤ 320 px WebP
 * (nothing of pdftoppm's output is served as it came). Throws when the PDF cannot be rendered in time
 * or within the memory limit; the caller stores the file without a preview then.
 */
export async function renderPdfThumbnail(
  pdf: string,
  outBase: string,
  opts: Config["pdfPreview"],
): Promise<DocumentPreview> {
  const cpuSeconds = Math.max(1, Math.ceil(opts.timeoutMs / 1000));
  await runTool(
    "prlimit",
    [
      `--as=${opts.memoryBytes}`,
      `--cpu=${cpuSeconds}`,
      "--",
      opts.pdftoppmPath,
      "-f",
      "1",
      "-l",
      "1",
      "-scale-to",
      String(RENDER_SIDE),
      "-png",
      "-singlefile",
      pdf,
      outBase,
    ],
    { timeoutMs: opts.timeoutMs },
  );
  const png = `${outBase}.png`;
  await stat(png);
  const thumb = `${outBase}.thumb.webp`;
  const info = await sharp(png, { failOn: "error", limitInputPixels: RENDER_SIDE * RENDER_SIDE })
    .resize({ width: THUMBNAIL_SIDE, height: THUMBNAIL_SIDE, fit: "inside", withoutEnlargement: true })
    .webp({ quality: 75 })
    .toFile(thumb);
  return { path: thumb, mime: "image/webp", width: info.width, height: info.height };
}
