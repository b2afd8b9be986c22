// Call health from RTCPeerConnection.getStats(): round-trip time, received bitrate, packet loss
// and whether the path is direct or relayed. Pure (tested without a browser); the sessions poll.

import type { MediaRoute } from "./route";
import { mediaRouteFromStats } from "./route";

/** No media path by then (e.g. UDP blocked and TURN refusing us): say so instead of waiting. */
export const CONNECT_TIMEOUT_MS = 10_000;

export interface CallHealth {
  route: MediaRoute | null;
  /** Of the selected candidate pair, in ms. */
  rttMs: number | null;
  /** Media received (all inbound RTP streams), in kbit/s since the previous sample. */
  kbps: number | null;
  /** Inbound packets lost, in percent of those expected. */
  lossPercent: number | null;
}

export interface HealthSample {
  at: number;
  bytesReceived: number;
}

type Stat = { id?: string; type?: string; [k: string]: unknown };

const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);

export function healthFromStats(
  stats: Iterable<Stat>,
  previous: HealthSample | null,
  at: number,
): { health: CallHealth; sample: HealthSample } {
  const all = [...stats];
  const route = mediaRouteFromStats(all);
  let rttMs: number | null = null;
  const transport = all.find((s) => s.type === "transport" && typeof s.selectedCandidatePairId === "string");
  const pair =
    all.find((s) => s.id === transport?.selectedCandidatePairId) ??
    all.find((s) => s.type === "candidate-pair" && (s.selected === true || s.nominated === true));
  const rtt = num(pair?.currentRoundTripTime);
  if (rtt !== null) rttMs = Math.round(rtt * 1000);
  let bytesReceived = 0;
  let lost = 0;
  let received = 0;
  for (const s of all) {
    if (s.type !== "inbound-rtp") continue;
    bytesReceived += num(s.bytesReceived) ?? 0;
    lost += Math.max(0, num(s.packetsLost) ?? 0);
    received += num(s.packetsReceived) ?? 0;
  }
  const seconds = previous ? (at - previous.at) / 1000 : 0;
  const kbps =
    previous && seconds > 0
      ? Math.max(0, Math.round(((bytesReceived - previous.bytesReceived) * 8) / 1000 / seconds))
      : null;
  const lossPercent = lost + received > 0 ? Math.round((lost / (lost + received)) * 1000) / 10 : null;
  return { health: { route, rttMs, kbps, lossPercent }, sample: { at, bytesReceived } };
}
