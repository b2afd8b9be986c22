import sharp, { type Metadata, type OutputInfo, type Sharp } from "sharp";

export const MAX_IMAGE_SIDE = 2560;
export const THUMBNAIL_SIDE = 320;

export interface ProcessedImage {
  main: { path: string; mime: string; ext: string; width: number; height: number; size: number };
  thumbnail: { path: string; mime: string };
}

/** The image could not be decoded (corrupt, or HEIC without HEVC support in this sharp build). */
export class UndecodableImageError extends Error {
  override name = "UndecodableImageError";
}

export const AVATAR_SIDE = 256;

/** An avatar: the first frame, upright, centre-cropped to a small square WebP, no metadata. */
export async function processAvatar(input: string, output: string): Promise<void> {
  try {
    await sharp(input, { failOn: "error" })
      .rotate()
      .resize({ width: AVATAR_SIDE, height: AVATAR_SIDE, fit: "cover", position: "attention" })
      .webp({ quality: 82 })
      .toFile(output);
  } catch (err) {
    throw new UndecodableImageError((err as Error).message);
  }
}

/**
 * Upright (EXIF orientation applied), every metadata block dropped (sharp writes none unless asked:
 * GPS, camera serials and ICC-embedded comments go), longest side ≤ 2560 px, plus a ≤ 320 px thumbnail.
 * Animated GIF/WebP keep their frames. Reads and writes files: nothing is held whole in memory but pixels.
 */
export async function processImage(input: string, outBase: string): Promise<ProcessedImage> {
  let meta: Metadata;
  try {
    meta = await sharp(input).metadata();
  } catch (err) {
    throw new UndecodableImageError((err as Error).message);
  }
  const animated = (meta.pages ?? 1) > 1 && (meta.format === "gif" || meta.format === "webp");
  const resized = sharp(input, { animated, failOn: "error" })
    .rotate()
    .resize({ width: MAX_IMAGE_SIDE, height: MAX_IMAGE_SIDE, fit: "inside", withoutEnlargement: true });
  let out: { mime: string; ext: string; pipeline: Sharp };
  if (animated && meta.format === "gif") out = { mime: "image/gif", ext: "gif", pipeline: resized.gif() };
  else if (animated || meta.hasAlpha || meta.format === "png" || meta.format === "webp")
    out = { mime: "image/webp", ext: "webp", pipeline: resized.webp({ quality: 85 }) };
  else out = { mime: "image/jpeg", ext: "jpg", pipeline: resized.jpeg({ quality: 82, mozjpeg: true }) };

  const mainPath = `${outBase}.${out.ext}`;
  let info: OutputInfo;
  try {
    info = await out.pipeline.toFile(mainPath);
  } catch (err) {
    throw new UndecodableImageError((err as Error).message);
  }
  const thumbPath = `${outBase}.thumb.webp`;
  await sharp(mainPath)
    .resize({ width: THUMBNAIL_SIDE, height: THUMBNAIL_SIDE, fit: "inside", withoutEnlargement: true })
    .webp({ quality: 75 })
    .toFile(thumbPath);
  // For an animated image sharp reports the height of all frames stacked.
  const height = animated && info.pageHeight ? info.pageHeight : info.height;
  return {
    main: { path: mainPath, mime: out.mime, ext: out.ext, width: info.width, height, size: info.size },
    thumbnail: { path: thumbPath, mime: "image/webp" },
  };
}
