// Loading Jitsi's IFrame API (`https://<domain>/external_api.js`) and the small part of it we use.
import type { MeetingResponse } from "@messenger/protocol";

export interface JitsiMeetExternalApi {
  addListener(event: string, listener: (...args: unknown[]) => void): void;
  dispose(): void;
}

export interface JitsiOptions {
  roomName: string;
  jwt: string;
  parentNode: HTMLElement;
  width?: string | number;
  height?: string | number;
  lang?: string;
  /** Jitsi's own option: build the room URL with http:// instead of https://. */
  noSSL?: boolean;
  userInfo?: { displayName?: string; email?: string };
  configOverwrite?: Record<string, unknown>;
  interfaceConfigOverwrite?: Record<string, unknown>;
}

type JitsiCtor = new (domain: string, options: JitsiOptions) => JitsiMeetExternalApi;

declare global {
  interface Window {
    JitsiMeetExternalAPI?: JitsiCtor;
  }
}

/**
 * Where the IFrame API is served and which host to give it. The server's `domain` may carry a
 * scheme (`http://127.0.0.1:8080` in a dev setup); otherwise the meeting `url` tells the scheme,
 * trusted only when it points at that same host; otherwise https, as Jitsi itself assumes.
 */
export function externalApiSource(meeting: Pick<MeetingResponse, "domain" | "url">): {
  host: string;
  scriptUrl: string;
  noSSL: boolean;
} {
  const explicit = /^(https?):\/\//i.exec(meeting.domain)?.[1]?.toLowerCase();
  const host = meeting.domain.replace(/^https?:\/\//i, "").replace(/\/.*$/, "");
  let scheme = explicit ?? "https";
  if (!explicit) {
    try {
      const u = new URL(meeting.url);
      if (u.host === host && (u.protocol === "https:" || u.protocol === "http:")) scheme = u.protocol.slice(0, -1);
    } catch {
      // Keep https.
    }
  }
  return { host, scriptUrl: `${scheme}://${host}/external_api.js`, noSSL: scheme === "http" };
}

const loading = new Map<string, Promise<JitsiCtor>>();

/** Adds the script tag once per URL; resolves with the constructor it defines. */
export function loadJitsiApi(scriptUrl: string): Promise<JitsiCtor> {
  const existing = loading.get(scriptUrl);
  if (existing) return existing;
  const p = new Promise<JitsiCtor>((resolve, reject) => {
    if (window.JitsiMeetExternalAPI) return resolve(window.JitsiMeetExternalAPI);
    const script = document.createElement("script");
    script.src = scriptUrl;
    script.async = true;
    script.onload = () => {
      if (window.JitsiMeetExternalAPI) resolve(window.JitsiMeetExternalAPI);
      else reject(new Error("external_api.js did not define JitsiMeetExternalAPI"));
    };
    script.onerror = () => reject(new Error(`could not load ${scriptUrl}`));
    document.head.appendChild(script);
  });
  loading.set(scriptUrl, p);
  p.catch(() => loading.delete(scriptUrl));
  return p;
}
