import { extname } from "node:path";
import type { AttachmentKind } from "@messenger/protocol";
import { fileTypeFromBuffer } from "file-type";

/** Bytes file-type needs to recognise every format it knows. */
export const SNIFF_BYTES = 4100;

export interface Detected {
  kind: AttachmentKind;
  mime: string;
  /** Extension matching the real content, or "" when unknown. */
  ext: string;
}

// Images sharp decodes (HEIC only when its libheif build has HEVC; the pipeline refuses it clearly otherwise).
const IMAGE_MIMES = new Set([
  "image/jpeg",
  "image/png",
  "image/gif",
  "image/webp",
  "image/avif",
  "image/tiff",
  "image/heic",
  "image/heif",
]);
const EXECUTABLE_MIMES = new Set([
  "application/x-msdownload",
  "application/vnd.microsoft.portable-executable",
  "application/x-dosexec",
  "application/x-elf",
  "application/x-executable",
  "application/x-mach-binary",
  "application/x-sharedlib",
  "application/x-msi",
  "application/vnd.android.package-archive",
  "application/java-vm",
]);
// Windows runs these by extension alone; refused whatever the bytes say.
const EXECUTABLE_EXTS = new Set([
  ".exe",
  ".com",
  ".scr",
  ".bat",
  ".cmd",
  ".ps1",
  ".vbs",
  ".vbe",
  ".js",
  ".jse",
  ".wsf",
  ".hta",
  ".msi",
  ".msp",
  ".lnk",
  ".pif",
  ".cpl",
  ".jar",
  ".apk",
]);
const CLAIMED_KIND: Record<string, AttachmentKind> = Object.fromEntries([
  ...[".jpg", ".jpeg", ".jfif", ".png", ".gif", ".webp", ".avif", ".tif", ".tiff", ".heic", ".heif", ".bmp"].map(
    (e) => [e, "image"],
  ),
  ...[".mp4", ".m4v", ".mov", ".webm", ".mkv", ".avi", ".3gp", ".mpg", ".mpeg", ".wmv"].map((e) => [e, "video"]),
  ...[".mp3", ".m4a", ".aac", ".wav", ".flac", ".ogg", ".oga", ".opus", ".weba"].map((e) => [e, "audio"]),
]);
/** Containers that may carry video, or audio only. */
export const AV_CONTAINERS = new Set([
  "video/webm",
  "video/mp4",
  "video/x-matroska",
  "video/quicktime",
  "video/ogg",
  "audio/ogg",
  "audio/webm",
  "audio/mp4",
  "audio/x-m4a",
]);
const TEXT_EXTS = new Set([".txt", ".csv", ".md", ".log", ".tsv"]);

export type Classification = { ok: true; detected: Detected } | { ok: false; reason: string };

/**
 * Decides what a file is from its first bytes (magic numbers), never from its name or the client's
 * Content-Type; the name only serves to catch a file dressed as something it is not.
 */
export async function classify(head: Buffer, name: string, clientMime: string): Promise<Classification> {
  const ext = extname(name).toLowerCase();
  const ft = await fileTypeFromBuffer(head);
  const shebang = head.subarray(0, 2).toString("latin1") === "#!";
  if ((ft && EXECUTABLE_MIMES.has(ft.mime)) || shebang || EXECUTABLE_EXTS.has(ext)) {
    return { ok: false, reason: "executables and scripts are not accepted" };
  }
  const claimed = CLAIMED_KIND[ext] ?? (/^(image|video|audio)\//.exec(clientMime)?.[1] as AttachmentKind | undefined);
  const family = ft?.mime.split("/")[0];
  // WebM/MP4/Matroska/Ogg hold audio alone as well (browser voice notes are audio-only WebM): for these the
  // streams decide later (see `uploads.ts`), so an "audio" claim on a "video/webm" container is consistent.
  const eitherAv = ft && AV_CONTAINERS.has(ft.mime) && (claimed === "audio" || claimed === "video");
  if (claimed && claimed !== "file" && family !== claimed && !eitherAv) {
    return {
      ok: false,
      reason: `the content is not ${claimed === "image" ? "an" : "a"} ${claimed}, whatever its name says`,
    };
  }
  if (!ft) {
    return {
      ok: true,
      detected: { kind: "file", mime: TEXT_EXTS.has(ext) ? "text/plain" : "application/octet-stream", ext: "" },
    };
  }
  let kind: AttachmentKind = "file";
  if (IMAGE_MIMES.has(ft.mime)) kind = "image";
  else if (family === "video") kind = "video";
  else if (family === "audio") kind = "audio";
  return { ok: true, detected: { kind, mime: ft.mime, ext: ft.ext } };
}

/** `name` with its extension replaced (the stored content may differ from the original: HEIC → JPEG, MOV → MP4). */
export function renameExt(name: string, ext: string): string {
  const base = name.slice(0, name.length - extname(name).length) || "file";
  return `${base}.${ext}`;
}
