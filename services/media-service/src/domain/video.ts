import { spawn } from "node:child_process";
import { availableParallelism } from "node:os";
import { basename } from "node:path";
import type { VideoLimits } from "../config.js";

export interface FfmpegOptions {
  /** System ffmpeg/ffprobe unless set. */
  ffmpegPath?: string;
  ffprobePath?: string;
  /** The process is SIGKILLed after this long (default 30 min). */
  timeoutMs?: number;
  /** Aborting kills the process with SIGKILL too (the job's wall clock). */
  signal?: AbortSignal;
}

export interface Probe {
  durationMs: number;
  width?: number;
  height?: number;
  hasVideo: boolean;
  hasAudio: boolean;
  /** The video stream's average frame rate, when the container states one. */
  fps?: number;
  /** Video packets in the file, counted by reading it (only with `countFrames`): a header can lie. */
  frames?: number;
}

/** ffmpeg/ffprobe ran past its deadline or its job's, and was killed. */
export class FfmpegTimeoutError extends Error {
  override name = "FfmpegTimeoutError";
}

const DEFAULT_TIMEOUT_MS = 30 * 60_000;
const MAX_STDOUT = 1024 * 1024; // ffprobe's JSON for a few streams is a few KB

/**
 * Runs ffmpeg or ffprobe and resolves with its stdout once it has exited. At the deadline or on abort it is
 * killed with SIGKILL (ffmpeg may ignore SIGTERM while it encodes), and the promise settles only after the
 * process is gone, so no ffmpeg outlives its job.
 */
export function runTool(bin: string, args: string[], opts: FfmpegOptions): Promise<string> {
  opts.signal?.throwIfAborted();
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let killedFor: string | undefined;
    const kill = (why: string) => {
      killedFor ??= why;
      child.kill("SIGKILL");
    };
    const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const timer = setTimeout(() => kill(`timed out after ${timeoutMs} ms`), timeoutMs);
    const onAbort = () => kill("stopped: its job ran out of time");
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    const cleanup = () => {
      clearTimeout(timer);
      opts.signal?.removeEventListener("abort", onAbort);
    };
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
      if (stdout.length > MAX_STDOUT) kill("wrote too much output");
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr = (stderr + d).slice(-2000);
    });
    child.once("error", (err) => {
      // Spawning failed (e.g. ENOENT): there is no process to wait for.
      if (child.pid === undefined) {
        cleanup();
        reject(err);
      }
    });
    child.once("close", (code, signal) => {
      cleanup();
      const name = basename(bin);
      if (killedFor) reject(new FfmpegTimeoutError(`${name} ${killedFor}`));
      else if (code === 0) resolve(stdout);
      else reject(new Error(`${name} exited with ${code ?? signal}\n${stderr}`));
    });
  });
}

interface ProbeStream {
  codec_type?: string;
  width?: number;
  height?: number;
  avg_frame_rate?: string;
  duration?: string;
  nb_read_packets?: string;
  disposition?: { attached_pic?: number };
}

const rate = (r: string | undefined): number | undefined => {
  const [num, den] = (r ?? "").split("/").map(Number);
  return num && den ? num / den : undefined;
};

/** Streams, duration and frame rate; with `countFrames` ffprobe also reads the file through to count packets. */
export async function probe(input: string, opts: FfmpegOptions & { countFrames?: boolean } = {}): Promise<Probe> {
  const stdout = await runTool(
    opts.ffprobePath ?? "ffprobe",
    [
      ...["-v", "error", "-of", "json"],
      ...["-show_entries", "format=duration:stream=codec_type,width,height,avg_frame_rate,duration,nb_read_packets"],
      ...["-show_entries", "stream_disposition=attached_pic"],
      ...(opts.countFrames ? ["-count_packets"] : []),
      input,
    ],
    opts,
  );
  const data = JSON.parse(stdout) as { streams?: ProbeStream[]; format?: { duration?: string } };
  const streams = data.streams ?? [];
  const video = streams.find((s) => s.codec_type === "video" && s.disposition?.attached_pic !== 1);
  const audio = streams.find((s) => s.codec_type === "audio");
  const seconds = Number(data.format?.duration ?? video?.duration ?? audio?.duration ?? 0);
  const frames = Number(video?.nb_read_packets);
  return {
    durationMs: Number.isFinite(seconds) ? Math.round(seconds * 1000) : 0,
    width: video?.width,
    height: video?.height,
    hasVideo: Boolean(video),
    hasAudio: Boolean(audio),
    fps: rate(video?.avg_frame_rate),
    frames: Number.isFinite(frames) ? frames : undefined,
  };
}

/** Why this video is refused before any transcoding, or null when it is within every limit. */
export function videoOverLimits(p: Probe, limits: VideoLimits): string | null {
  if (!p.hasVideo) return "no video stream in this file";
  const minutes = (s: number) => `${Math.round((s / 60) * 10) / 10} min`;
  if (p.durationMs / 1000 > limits.maxDurationSeconds)
    return `the video is ${minutes(p.durationMs / 1000)} long; the limit is ${minutes(limits.maxDurationSeconds)}`;
  if ((p.width ?? 0) > limits.maxDimension || (p.height ?? 0) > limits.maxDimension)
    return `the video is ${p.width}×${p.height}; the limit is ${limits.maxDimension} pixels per side`;
  if ((p.fps ?? 0) > limits.maxFps)
    return `the video has ${Math.round(p.fps ?? 0)} frames per second; the limit is ${limits.maxFps}`;
  if ((p.frames ?? 0) > limits.maxFrames) return `the video has ${p.frames} frames; the limit is ${limits.maxFrames}`;
  return null;
}

/**
 * H.264 (yuv420p, plays in every browser) + AAC in an MP4 with the index up front (faststart: playback and
 * seeking start before the download ends), rotated upright, fitting 1920×1080 (landscape) or 1080×1920.
 * Bounded whatever the input claims: frames keep their timestamps (no duplicates to fill gaps between
 * them), at most `outputMaxFps`, cut at `maxDurationSeconds` and `outputMaxBytes`.
 */
export async function transcodeToMp4(
  input: string,
  output: string,
  source: Probe,
  limits: Pick<VideoLimits, "maxDurationSeconds" | "outputMaxFps" | "outputMaxBytes" | "jobTimeoutMs">,
  opts: FfmpegOptions = {},
) {
  const fit = "w='if(gte(iw,ih),min(1920,iw),min(1080,iw))':h='if(gte(iw,ih),min(1080,ih),min(1920,ih))'";
  const filters = [`scale=${fit}:force_original_aspect_ratio=decrease:force_divisible_by=2`];
  if ((source.fps ?? 0) > limits.outputMaxFps) filters.push(`fps=${limits.outputMaxFps}`);
  // ffmpeg's own CPU budget (setrlimit: the kernel ends it): the job's wall clock on every core. It holds even
  // when nobody is left to kill it (the service SIGKILLed mid-job orphans its ffmpeg).
  const cpuSeconds = Math.ceil(limits.jobTimeoutMs / 1000) * availableParallelism();
  await runTool(
    opts.ffmpegPath ?? "ffmpeg",
    [
      ...["-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-timelimit", String(cpuSeconds), "-i", input],
      ...["-map", "0:v:0"],
      ...(source.hasAudio ? ["-map", "0:a:0", "-c:a", "aac", "-b:a", "128k", "-ac", "2"] : ["-an"]),
      ...["-vf", filters.join(",")],
      ...["-fps_mode", "vfr"],
      ...["-t", String(limits.maxDurationSeconds), "-fs", String(limits.outputMaxBytes)],
      ...["-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p"],
      ...["-movflags", "+faststart"],
      ...["-map_metadata", "-1"], // no location or device tags in the shared file
      ...["-f", "mp4", output],
    ],
    opts,
  );
}

/** A JPEG poster ≤ 640 px from the given second. */
export async function extractPoster(input: string, output: string, atSeconds: number, opts: FfmpegOptions = {}) {
  await runTool(
    opts.ffmpegPath ?? "ffmpeg",
    [
      ...["-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-ss", String(atSeconds), "-i", input],
      ...["-frames:v", "1", "-vf", "scale=w='min(640,iw)':h='min(640,ih)':force_original_aspect_ratio=decrease"],
      ...["-q:v", "4", "-f", "image2", output],
    ],
    opts,
  );
}
