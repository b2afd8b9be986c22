// TURN/STUN servers from `GET /api/calls/ice-servers`, cached for half their credential's life.
// Shared by 1:1 calls (peer-session.ts) and mesh meetings (mesh-session.ts).
import { IceServersResponse } from "@messenger/protocol";
import type { ApiFetch } from "./deps";

export function createIceServerCache(apiFetch: ApiFetch): () => Promise<RTCIceServer[]> {
  let cached: { value: Promise<RTCIceServer[]>; until: number } | null = null;
  return () => {
    if (cached && cached.until > Date.now()) return cached.value;
    const entry = { value: Promise.resolve<RTCIceServer[]>([]), until: Date.now() + 60_000 };
    entry.value = (async () => {
      const res = await apiFetch("/api/calls/ice-servers");
      if (!res.ok) throw new Error(`GET /api/calls/ice-servers: ${res.status}`);
      const body = IceServersResponse.parse(await res.json());
      // Re-fetch well before the TURN credentials expire.
      entry.until = Date.now() + (body.ttlSeconds * 1000) / 2;
      return body.iceServers;
    })();
    entry.value.catch(() => {
      if (cached === entry) cached = null;
    });
    cached = entry;
    return entry.value;
  };
}
