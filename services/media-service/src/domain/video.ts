import ffmpeg from "fluent-ffmpeg";

export interface FfmpegPaths {
  ffmpegPath?: string;
  ffprobePath?: string;
}

export interface Probe {
  durationMs: number;
  width?: number;
  height?: number;
  hasVideo: boolean;
  hasAudio: boolean;
}

const command = (input: string, paths: FfmpegPaths) => {
  const c = ffmpeg(input);
  if (paths.ffmpegPath) c.setFfmpegPath(paths.ffmpegPath);
  if (paths.ffprobePath) c.setFfprobePath(paths.ffprobePath);
  return c;
};

const run = (c: ffmpeg.FfmpegCommand) =>
  new Promise<void>((resolve, reject) => {
    c.on("end", () => resolve())
      .on("error", (err: Error, _stdout: string | null, stderr: string | null) =>
        reject(new Error(`${err.message}\n${(stderr ?? "").slice(-1500)}`)),
      )
      .run();
  });

export function probe(input: string, paths: FfmpegPaths = {}): Promise<Probe> {
  return new Promise((resolve, reject) => {
    command(input, paths).ffprobe((err, data) => {
      if (err) return reject(err);
      const video = data.streams.find((s) => s.codec_type === "video" && s.disposition?.attached_pic !== 1);
      const audio = data.streams.find((s) => s.codec_type === "audio");
      const seconds = Number(data.format.duration ?? video?.duration ?? audio?.duration ?? 0);
      resolve({
        durationMs: Number.isFinite(seconds) ? Math.round(seconds * 1000) : 0,
        width: video?.width,
        height: video?.height,
        hasVideo: Boolean(video),
        hasAudio: Boolean(audio),
      });
    });
  });
}

/**
 * H.264 (yuv420p, plays in every browser) + AAC in an MP4 with the index up front (faststart: playback and
 * seeking start before the download ends), rotated upright, fitting 1920×1080 (landscape) or 1080×1920.
 */
export async function transcodeToMp4(input: string, output: string, hasAudio: boolean, paths: FfmpegPaths = {}) {
  const fit = "w='if(gte(iw,ih),min(1920,iw),min(1080,iw))':h='if(gte(iw,ih),min(1080,ih),min(1920,ih))'";
  const c = command(input, paths).outputOptions([
    "-map",
    "0:v:0",
    ...(hasAudio ? ["-map", "0:a:0", "-c:a", "aac", "-b:a", "128k", "-ac", "2"] : ["-an"]),
    "-vf",
    `scale=${fit}:force_original_aspect_ratio=decrease:force_divisible_by=2`,
    "-c:v",
    "libx264",
    "-preset",
    "veryfast",
    "-crf",
    "23",
    "-pix_fmt",
    "yuv420p",
    "-movflags",
    "+faststart",
    "-map_metadata",
    "-1", // no location or device tags in the shared file
    "-f",
    "mp4",
  ]);
  await run(c.output(output));
}

/** A JPEG poster ≤ 640 px from the given second. */
export async function extractPoster(input: string, output: string, atSeconds: number, paths: FfmpegPaths = {}) {
  const c = command(input, paths)
    .seekInput(atSeconds)
    .outputOptions([
      "-frames:v",
      "1",
      "-vf",
      "scale=w='min(640,iw)':h='min(640,ih)':force_original_aspect_ratio=decrease",
      "-q:v",
      "4",
      "-f",
      "image2",
    ]);
  await run(c.output(output));
}
