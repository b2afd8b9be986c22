// The calls components' view of the app's one dictionary (keys `calls.*` in i18n/en.ts and es.ts):
// typed functions, so `t.calling(name)` cannot forget its parameter. No strings of its own live here.
import { type Lang, type Translate, translator } from "../i18n";
import type { EndReason } from "./store";

export type { Lang } from "../i18n";

function callStringsFrom(t: Translate) {
  const withName = (key: Parameters<Translate>[0]) => (name: string) => t(key, { name });
  return {
    videoCall: t("calls.videoCall"),
    audioCall: t("calls.audioCall"),
    incomingCall: t("calls.incomingCall"),
    incomingVideo: withName("calls.incomingVideo"),
    incomingAudio: withName("calls.incomingAudio"),
    accept: t("calls.accept"),
    decline: t("calls.decline"),
    calling: withName("calls.calling"),
    ringing: t("calls.ringing"),
    cancel: t("calls.cancel"),
    callWith: withName("calls.callWith"),
    connecting: t("calls.connecting"),
    reconnecting: t("calls.reconnecting"),
    mute: t("calls.mute"),
    unmute: t("calls.unmute"),
    cameraOff: t("calls.cameraOff"),
    cameraOn: t("calls.cameraOn"),
    hangUp: t("calls.hangUp"),
    relay: t("calls.relay"),
    direct: t("calls.direct"),
    routeTitle: t("calls.routeTitle"),
    remoteMuted: withName("calls.remoteMuted"),
    remoteCameraOff: withName("calls.remoteCameraOff"),
    yourVideo: t("calls.yourVideo"),
    theirVideo: withName("calls.theirVideo"),
    callEnded: t("calls.callEnded"),
    close: t("calls.close"),
    ended: {
      hangup: withName("calls.ended.hangup"),
      declined: withName("calls.ended.declined"),
      busy: withName("calls.ended.busy"),
      "no-answer": withName("calls.ended.no-answer"),
      disconnected: withName("calls.ended.disconnected"),
      "answered-elsewhere": withName("calls.ended.answered-elsewhere"),
      cancelled: withName("calls.ended.cancelled"),
      failed: withName("calls.ended.failed"),
      "media-denied": withName("calls.ended.media-denied"),
      unavailable: withName("calls.ended.unavailable"),
      "self-busy": withName("calls.ended.self-busy"),
      offline: withName("calls.ended.offline"),
    } satisfies Record<EndReason, (name: string) => string>,
    duration: (duration: string) => t("calls.duration", { duration }),
    someone: t("calls.someone"),
    startMeeting: t("calls.startMeeting"),
    startingMeeting: t("calls.startingMeeting"),
    meeting: t("calls.meeting"),
    meetingInProgress: t("calls.meetingInProgress"),
    meetingStartedBy: withName("calls.meetingStartedBy"),
    meetingStarted: t("calls.meetingStarted"),
    meetingStartedIn: (name: string | null, group: string | null) => {
      const who = name ?? t("calls.someone");
      return group ? t("calls.meetingStartedIn", { name: who, group }) : t("calls.meetingStartedBy", { name: who });
    },
    joinMeeting: t("calls.joinMeeting"),
    dismiss: t("calls.dismiss"),
    leaveMeeting: t("calls.leaveMeeting"),
    meetingFailed: t("calls.meetingFailed"),
    meetingLoadFailed: (domain: string) => t("calls.meetingLoadFailed", { domain }),
    shareScreen: t("calls.shareScreen"),
    stopSharing: t("calls.stopSharing"),
    minimize: t("calls.minimize"),
    restore: t("calls.restore"),
    health: t("calls.health"),
    healthRtt: t("calls.healthRtt"),
    healthBitrate: t("calls.healthBitrate"),
    healthLoss: t("calls.healthLoss"),
    healthPath: t("calls.healthPath"),
    groupCall: t("calls.groupCall"),
    providerMesh: (max: number) => t("calls.providerMesh", { max }),
    providerJitsi: t("calls.providerJitsi"),
    meshTooBig: (max: number) => t("calls.meshTooBig", { max }),
    opsGuide: t("calls.opsGuide"),
    inCall: (count: number) => t("calls.inCall", { count }),
    meshMediaDenied: t("calls.meshMediaDenied"),
    peerFailed: withName("calls.peerFailed"),
    sharing: withName("calls.sharing"),
    youShare: t("calls.youShare"),
    you: t("calls.you"),
  };
}

export type CallStrings = ReturnType<typeof callStringsFrom>;

export const callStrings: Record<Lang, CallStrings> = {
  en: callStringsFrom(translator("en")),
  es: callStringsFrom(translator("es")),
};

/** The shell's choice wins; otherwise the browser language decides (Spanish for any `es-*`). */
export function pickLang(lang?: string | null, browserLanguage?: string): Lang {
  const candidate = (lang ?? browserLanguage ?? "en").toLowerCase();
  return candidate.startsWith("es") ? "es" : "en";
}
