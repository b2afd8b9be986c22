// Which path the media takes, read from RTCPeerConnection.getStats(): through the TURN relay
// (either end's selected candidate is a relay candidate) or direct (host / srflx / prflx).

/** Relayed through TURN or direct. */
export type MediaRoute = "relay" | "direct";

type Stat = { id?: string; type?: string; [k: string]: unknown };

export function mediaRouteFromStats(stats: Iterable<Stat>): MediaRoute | null {
  const byId = new Map<string, Stat>();
  const all: Stat[] = [];
  for (const s of stats) {
    all.push(s);
    if (typeof s.id === "string") byId.set(s.id, s);
  }
  // Spec: the transport names the selected pair. Fallbacks for older engines: a pair flagged
  // `selected`, else a nominated pair that succeeded.
  let pair: Stat | undefined;
  for (const s of all) {
    if (s.type === "transport" && typeof s.selectedCandidatePairId === "string") {
      pair = byId.get(s.selectedCandidatePairId);
      if (pair) break;
    }
  }
  pair ??= all.find((s) => s.type === "candidate-pair" && s.selected === true);
  pair ??= all.find((s) => s.type === "candidate-pair" && s.nominated === true && s.state === "succeeded");
  if (!pair) return null;
  const local = byId.get(String(pair.localCandidateId));
  const remote = byId.get(String(pair.remoteCandidateId));
  if (!local && !remote) return null;
  return local?.candidateType === "relay" || remote?.candidateType === "relay" ? "relay" : "direct";
}
