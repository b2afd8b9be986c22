import type { Config } from "../config.js";
import type { TurnSettings } from "./ice.js";
import type { JitsiSettings } from "./jitsi.js";

/**
 * Call timings. Read from the config when it carries them (CALL_RING_TIMEOUT_MS,
 * CALL_DISCONNECT_GRACE_MS), so tests need not wait 45 s for a no-answer.
 */
export interface CallTimings {
  CALL_RING_TIMEOUT_MS?: number;
  CALL_DISCONNECT_GRACE_MS?: number;
  /** How long a started meeting keeps its room (and how long "join" finds it). */
  MEETING_TTL_SECONDS?: number;
}

export const DEFAULT_RING_TIMEOUT_MS = 45_000;
export const DEFAULT_DISCONNECT_GRACE_MS = 10_000;
export const DEFAULT_MEETING_TTL_SECONDS = 8 * 3600;
/** Jitsi tokens only need to live long enough to join; a running conference does not re-check them. */
export const JITSI_TOKEN_TTL_SECONDS = 2 * 3600;

export function callSettings(config: Config & CallTimings) {
  const turn: TurnSettings = {
    secret: config.TURN_SECRET,
    urls: config.TURN_URLS.split(",")
      .map((u) => u.trim())
      .filter(Boolean),
    ttlSeconds: config.TURN_TTL_SECONDS,
  };
  const jitsi: JitsiSettings = {
    domain: config.JITSI_DOMAIN,
    appId: config.JITSI_APP_ID,
    appSecret: config.JITSI_APP_SECRET,
  };
  return {
    turn,
    jitsi,
    ringTimeoutMs: positive(config.CALL_RING_TIMEOUT_MS, DEFAULT_RING_TIMEOUT_MS),
    disconnectGraceMs: positive(config.CALL_DISCONNECT_GRACE_MS, DEFAULT_DISCONNECT_GRACE_MS),
    meetingTtlSeconds: positive(config.MEETING_TTL_SECONDS, DEFAULT_MEETING_TTL_SECONDS),
  };
}

function positive(value: unknown, fallback: number): number {
  const n = typeof value === "string" ? Number(value) : value;
  return typeof n === "number" && Number.isFinite(n) && n > 0 ? n : fallback;
}
