import type { Config } from "../config.js";
import type { TurnSettings } from "./ice.js";
import type { JitsiSettings } from "./jitsi.js";

/** Jitsi tokens only need to live long enough to join; a running conference does not re-check them. */
export const JITSI_TOKEN_TTL_SECONDS = 2 * 3600;

export function callSettings(config: Config) {
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
    ringTimeoutMs: config.CALL_RING_TIMEOUT_MS,
    disconnectGraceMs: config.CALL_DISCONNECT_GRACE_MS,
    meetingTtlSeconds: config.MEETING_TTL_SECONDS,
    meshMaxParticipants: config.MESH_MAX_PARTICIPANTS,
  };
}
