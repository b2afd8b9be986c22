import { tmpdir } from "node:os";
import { join } from "node:path";
import { assertNotDefault, assertProductionSecrets, parseTrustedProxies } from "@messenger/common";
import { AttachmentKind } from "@messenger/protocol";
import { z } from "zod";

const DEV_JWT_SECRET = "dev-insecure-secret"; // same development default as chat-service
const MB = 1024 * 1024;
/** The Vite dev server (client/vite.config.ts) proxies /api/media with its own Host: its page's origin. */
const DEV_CLIENT_ORIGINS = "http://localhost:5173,http://127.0.0.1:5173";

const bool = z
  .enum(["true", "false", "1", "0"])
  .transform((v) => v === "true" || v === "1")
  .or(z.boolean());

const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(4001),
  HOST: z.string().default("0.0.0.0"),
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** How stale "the token's session and user are still active" may be (as chat-service's SESSION_CHECK_MS). */
  SESSION_CHECK_MS: z.coerce.number().int().positive().default(5000),
  /** Reverse proxies whose X-Forwarded-For is believed (addresses or CIDRs, comma-separated). */
  TRUSTED_PROXIES: z.string().default("127.0.0.1,::1"),
  DATABASE_URL: z.string().default("postgres://postgres@127.0.0.1:5432/messenger"),
  /**
   * Origins (comma-separated) besides the service's own public one from which a cookie-authenticated upload
   * is accepted; unset in development → the Vite dev server's (it proxies with another Host).
   */
  PUBLIC_ORIGINS: z.string().optional(),
  /** Must equal chat-service's: media-service verifies the access tokens chat-service signs. */
  JWT_SECRET: z.string().min(1).default(DEV_JWT_SECRET),

  /** Unset → an embedded S3 server (@20minutes/s3rver) on MINIO_LOCAL_DIR, used through the same client. */
  MINIO_ENDPOINT: z.string().optional(),
  MINIO_PORT: z.coerce.number().int().min(0).max(65535).default(9000),
  MINIO_USE_SSL: bool.default(false),
  MINIO_ACCESS_KEY: z.string().default("S3RVER"),
  MINIO_SECRET_KEY: z.string().default("S3RVER"),
  MINIO_REGION: z.string().default("us-east-1"),
  MINIO_BUCKET: z.string().default("media"),
  MINIO_LOCAL_DIR: z.string().default(".data/s3"),
  /** An S3 request without response headers by then fails (uploads answer 503 storage_unavailable). */
  MINIO_TIMEOUT_MS: z.coerce.number().int().positive().default(15_000),
  /** Each dependency check of /readyz; a check not answered by then counts as down (503). */
  READYZ_TIMEOUT_MS: z.coerce.number().int().positive().default(3000),

  /** PDF first-page thumbnails (poppler's pdftoppm): wall clock, address-space limit, and the binary. */
  PDF_PREVIEW_TIMEOUT_MS: z.coerce.number().int().positive().default(15_000),
  PDF_PREVIEW_MEMORY_MB: z.coerce.number().int().positive().default(512),
  PDFTOPPM_PATH: z.string().default("pdftoppm"),

  /** clamd over a unix socket when set, else TCP. */
  CLAMD_SOCKET: z.string().optional(),
  CLAMD_HOST: z.string().default("127.0.0.1"),
  CLAMD_PORT: z.coerce.number().int().min(1).max(65535).default(3310),
  CLAMD_TIMEOUT_MS: z.coerce.number().int().positive().default(60_000),

  MAX_IMAGE_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(25 * MB),
  MAX_VIDEO_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(500 * MB),
  MAX_OTHER_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(100 * MB),
  /** Comma-separated allow-list of attachment kinds. */
  ALLOWED_KINDS: z
    .string()
    .default("image,video,audio,file")
    .transform((s) => s.split(",").map((k) => AttachmentKind.parse(k.trim()))),

  /** System ffmpeg/ffprobe unless set. */
  FFMPEG_PATH: z.string().optional(),
  FFPROBE_PATH: z.string().optional(),
  /** Run the video worker in this process; false on instances that should only take uploads. */
  VIDEO_WORKER: bool.default(true),
  VIDEO_CONCURRENCY: z.coerce.number().int().positive().default(1),
  /** Extra attempts for a failed transcode (a crash or a transient S3/DB error) before the video is `failed`. */
  VIDEO_RETRY_LIMIT: z.coerce.number().int().min(0).max(10).default(1),
  /** Videos longer than this are refused at upload (and by the worker); the output is cut there too. */
  VIDEO_MAX_DURATION_SECONDS: z.coerce
    .number()
    .positive()
    .default(20 * 60),
  /** Width or height above this is refused (4096 covers DCI 4K and portrait UHD). */
  VIDEO_MAX_DIMENSION: z.coerce.number().int().positive().default(4096),
  /** Average frame rate above this is refused (240 lets phone slow-motion through). */
  VIDEO_MAX_FPS: z.coerce.number().positive().default(240),
  /** Video frames (packets counted in the file, not the header's claim) above this are refused. */
  VIDEO_MAX_FRAMES: z.coerce.number().int().positive().default(144_000),
  /** Videos longer than this are transcoded in a lane of their own (one at a time), so short clips never wait for them. */
  VIDEO_LONG_SECONDS: z.coerce.number().positive().default(120),
  /** The transcoded MP4 never has more frames per second than this. */
  VIDEO_OUTPUT_MAX_FPS: z.coerce.number().positive().default(60),
  /** One ffprobe run (it reads the whole file to count frames). */
  VIDEO_PROBE_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
  /** Wall clock for one transcode job, download to upload: then ffmpeg is SIGKILLed and the video `failed`. */
  VIDEO_JOB_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .positive()
    .default(30 * 60_000),

  /** A transcode job left active by a worker that died is handed back after this (checked as often). */
  VIDEO_RECLAIM_AFTER_SECONDS: z.coerce.number().int().positive().default(30),
  /** At shutdown, running transcodes may finish for this long; then ffmpeg is killed and the job handed back. */
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(25_000),
  /** Uploads not sent in a message within this many hours are deleted (row and objects). */
  UNSENT_TTL_HOURS: z.coerce.number().positive().default(24),
  /** `stream`: the service streams bytes (with Range); `redirect`: 302 to a presigned URL. `?redirect=1` asks per request. */
  MEDIA_URL_MODE: z.enum(["stream", "redirect"]).default("stream"),
  PRESIGN_TTL_SECONDS: z.coerce.number().int().min(1).max(300).default(300),
  TMP_DIR: z.string().default(join(tmpdir(), "messenger-media")),
  /** Work dirs in TMP_DIR not written to for this long are a crashed upload's or transcode's: removed. */
  TMP_STALE_MINUTES: z.coerce.number().positive().default(60),
});

export type Env = z.input<typeof EnvSchema>;

export interface VideoLimits {
  maxDurationSeconds: number;
  maxDimension: number;
  maxFps: number;
  maxFrames: number;
  outputMaxFps: number;
  longSeconds: number;
  /** The MP4 is cut at this size (ffmpeg -fs): the video upload limit. */
  outputMaxBytes: number;
  probeTimeoutMs: number;
  jobTimeoutMs: number;
  reclaimAfterSeconds: number;
}

export interface Config {
  port: number;
  host: string;
  production: boolean;
  logLevel: string;
  databaseUrl: string;
  jwtSecret: string;
  /** Origins allowed for cookie-authenticated state changes, besides the request's own. */
  allowedOrigins: string[];
  s3: {
    /** undefined → start the embedded S3 server. */
    endPoint?: string;
    port: number;
    useSSL: boolean;
    accessKey: string;
    secretKey: string;
    region: string;
    bucket: string;
    localDir: string;
    timeoutMs: number;
  };
  readyzTimeoutMs: number;
  clamd: { socket?: string; host: string; port: number; timeoutMs: number };
  limits: Record<AttachmentKind, number>;
  allowedKinds: AttachmentKind[];
  ffmpegPath?: string;
  ffprobePath?: string;
  /** PDF thumbnails (domain/document-preview.ts). */
  pdfPreview: { timeoutMs: number; memoryBytes: number; pdftoppmPath: string };
  videoWorker: boolean;
  videoConcurrency: number;
  videoRetryLimit: number;
  video: VideoLimits;
  shutdownGraceMs: number;
  unsentTtlHours: number;
  urlMode: "stream" | "redirect";
  presignTtlSeconds: number;
  tmpDir: string;
  trustedProxies: string[];
  sessionCheckMs: number;
  tmpStaleMs: number;
}

/** Parses the environment (or a test's overrides) once; refuses production with the development secret. */
export function loadConfig(env: Record<string, string | boolean | number | undefined> = process.env): Config {
  const e = EnvSchema.parse(env);
  if (e.NODE_ENV === "production") {
    // The embedded S3 server's credentials are public: production needs its own S3 server's.
    assertNotDefault({ MINIO_ACCESS_KEY: e.MINIO_ACCESS_KEY });
    assertProductionSecrets(
      {
        JWT_SECRET: e.JWT_SECRET,
        MINIO_SECRET_KEY: e.MINIO_SECRET_KEY,
      },
      { databaseUrl: e.DATABASE_URL },
    );
  }
  return {
    port: e.PORT,
    host: e.HOST,
    production: e.NODE_ENV === "production",
    logLevel: e.LOG_LEVEL,
    databaseUrl: e.DATABASE_URL,
    jwtSecret: e.JWT_SECRET,
    allowedOrigins: (e.PUBLIC_ORIGINS ?? (e.NODE_ENV === "production" ? "" : DEV_CLIENT_ORIGINS))
      .split(",")
      .map((o) => o.trim())
      .filter(Boolean)
      .map((o) => new URL(o).origin),
    s3: {
      endPoint: e.MINIO_ENDPOINT || undefined,
      port: e.MINIO_PORT,
      useSSL: e.MINIO_USE_SSL,
      accessKey: e.MINIO_ACCESS_KEY,
      secretKey: e.MINIO_SECRET_KEY,
      region: e.MINIO_REGION,
      bucket: e.MINIO_BUCKET,
      localDir: e.MINIO_LOCAL_DIR,
      timeoutMs: e.MINIO_TIMEOUT_MS,
    },
    readyzTimeoutMs: e.READYZ_TIMEOUT_MS,
    clamd: {
      socket: e.CLAMD_SOCKET || undefined,
      host: e.CLAMD_HOST,
      port: e.CLAMD_PORT,
      timeoutMs: e.CLAMD_TIMEOUT_MS,
    },
    limits: { image: e.MAX_IMAGE_BYTES, video: e.MAX_VIDEO_BYTES, audio: e.MAX_OTHER_BYTES, file: e.MAX_OTHER_BYTES },
    allowedKinds: e.ALLOWED_KINDS,
    ffmpegPath: e.FFMPEG_PATH,
    ffprobePath: e.FFPROBE_PATH,
    pdfPreview: {
      timeoutMs: e.PDF_PREVIEW_TIMEOUT_MS,
      memoryBytes: e.PDF_PREVIEW_MEMORY_MB * MB,
      pdftoppmPath: e.PDFTOPPM_PATH,
    },
    videoWorker: e.VIDEO_WORKER,
    videoConcurrency: e.VIDEO_CONCURRENCY,
    videoRetryLimit: e.VIDEO_RETRY_LIMIT,
    video: {
      maxDurationSeconds: e.VIDEO_MAX_DURATION_SECONDS,
      maxDimension: e.VIDEO_MAX_DIMENSION,
      maxFps: e.VIDEO_MAX_FPS,
      maxFrames: e.VIDEO_MAX_FRAMES,
      outputMaxFps: e.VIDEO_OUTPUT_MAX_FPS,
      longSeconds: e.VIDEO_LONG_SECONDS,
      outputMaxBytes: e.MAX_VIDEO_BYTES,
      probeTimeoutMs: e.VIDEO_PROBE_TIMEOUT_MS,
      jobTimeoutMs: e.VIDEO_JOB_TIMEOUT_MS,
      reclaimAfterSeconds: e.VIDEO_RECLAIM_AFTER_SECONDS,
    },
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    unsentTtlHours: e.UNSENT_TTL_HOURS,
    urlMode: e.MEDIA_URL_MODE,
    presignTtlSeconds: e.PRESIGN_TTL_SECONDS,
    tmpDir: e.TMP_DIR,
    trustedProxies: parseTrustedProxies(e.TRUSTED_PROXIES),
    sessionCheckMs: e.SESSION_CHECK_MS,
    tmpStaleMs: e.TMP_STALE_MINUTES * 60_000,
  };
}
