// UI text of the call and meeting components, in the languages the app offers.
// Kept here (not in the app's dictionary) so the calls folder stays self-contained.

export type Lang = "en" | "es";

const en = {
  videoCall: "Video call",
  audioCall: "Audio call",
  incomingCall: "Incoming call",
  incomingVideo: (name: string) => `${name} is video calling you`,
  incomingAudio: (name: string) => `${name} is calling you`,
  accept: "Accept",
  decline: "Decline",
  calling: (name: string) => `Calling ${name}…`,
  ringing: "Ringing…",
  cancel: "Cancel",
  callWith: (name: string) => `Call with ${name}`,
  connecting: "Connecting…",
  reconnecting: "Reconnecting…",
  mute: "Mute",
  unmute: "Unmute",
  cameraOff: "Turn camera off",
  cameraOn: "Turn camera on",
  hangUp: "Hang up",
  relay: "Relayed (TURN)",
  direct: "Direct",
  routeTitle: "How the media travels between you",
  remoteMuted: (name: string) => `${name} is muted`,
  remoteCameraOff: (name: string) => `${name} turned the camera off`,
  yourVideo: "Your video",
  theirVideo: (name: string) => `${name}'s video`,
  callEnded: "Call ended",
  close: "Close",
  ended: {
    hangup: (name: string) => `${name} hung up.`,
    declined: (name: string) => `${name} declined the call.`,
    busy: (name: string) => `${name} is on another call. Try again later.`,
    "no-answer": (name: string) => `${name} didn't answer.`,
    disconnected: (name: string) => `The connection with ${name} was lost.`,
    "answered-elsewhere": (_name: string) => "Answered on another device.",
    cancelled: (name: string) => `${name} cancelled the call.`,
    failed: (_name: string) => "The call could not connect. Check your network and try again.",
    "media-denied": (_name: string) => "Camera or microphone is blocked. Allow access in the browser and try again.",
    unavailable: (_name: string) => "The call could not be started.",
    "self-busy": (_name: string) => "You are already in a call on another device.",
  },
  duration: (d: string) => `Duration ${d}`,
  someone: "Someone",
  startMeeting: "Start meeting",
  startingMeeting: "Starting…",
  meeting: "Meeting",
  meetingInProgress: "A meeting is in progress",
  meetingStartedBy: (name: string) => `${name} started a meeting`,
  meetingStarted: "Meeting started",
  meetingStartedIn: (name: string | null, group: string | null) =>
    `${name ?? "Someone"} started a meeting${group ? ` in ${group}` : ""}`,
  joinMeeting: "Join meeting",
  dismiss: "Dismiss",
  leaveMeeting: "Leave meeting",
  meetingFailed: "The meeting could not be opened.",
  meetingLoadFailed: (domain: string) => `Could not reach the meeting server (${domain}).`,
};

export type CallStrings = typeof en;

const es: CallStrings = {
  videoCall: "Videollamada",
  audioCall: "Llamada de voz",
  incomingCall: "Llamada entrante",
  incomingVideo: (name) => `${name} te está videollamando`,
  incomingAudio: (name) => `${name} te está llamando`,
  accept: "Aceptar",
  decline: "Rechazar",
  calling: (name) => `Llamando a ${name}…`,
  ringing: "Sonando…",
  cancel: "Cancelar",
  callWith: (name) => `Llamada con ${name}`,
  connecting: "Conectando…",
  reconnecting: "Reconectando…",
  mute: "Silenciar",
  unmute: "Activar micrófono",
  cameraOff: "Apagar cámara",
  cameraOn: "Encender cámara",
  hangUp: "Colgar",
  relay: "Retransmitida (TURN)",
  direct: "Directa",
  routeTitle: "Cómo viaja el audio y el vídeo entre vosotros",
  remoteMuted: (name) => `${name} tiene el micrófono silenciado`,
  remoteCameraOff: (name) => `${name} apagó la cámara`,
  yourVideo: "Tu vídeo",
  theirVideo: (name) => `Vídeo de ${name}`,
  callEnded: "Llamada finalizada",
  close: "Cerrar",
  ended: {
    hangup: (name) => `${name} colgó.`,
    declined: (name) => `${name} rechazó la llamada.`,
    busy: (name) => `${name} está en otra llamada. Inténtalo más tarde.`,
    "no-answer": (name) => `${name} no contestó.`,
    disconnected: (name) => `Se perdió la conexión con ${name}.`,
    "answered-elsewhere": () => "Contestada en otro dispositivo.",
    cancelled: (name) => `${name} canceló la llamada.`,
    failed: () => "No se pudo conectar la llamada. Revisa tu red e inténtalo de nuevo.",
    "media-denied": () =>
      "La cámara o el micrófono están bloqueados. Permite el acceso en el navegador e inténtalo de nuevo.",
    unavailable: () => "No se pudo iniciar la llamada.",
    "self-busy": () => "Ya estás en una llamada en otro dispositivo.",
  },
  duration: (d) => `Duración ${d}`,
  someone: "Alguien",
  startMeeting: "Iniciar reunión",
  startingMeeting: "Iniciando…",
  meeting: "Reunión",
  meetingInProgress: "Hay una reunión en curso",
  meetingStartedBy: (name) => `${name} inició una reunión`,
  meetingStarted: "Reunión iniciada",
  meetingStartedIn: (name, group) => `${name ?? "Alguien"} inició una reunión${group ? ` en ${group}` : ""}`,
  joinMeeting: "Unirse a la reunión",
  dismiss: "Descartar",
  leaveMeeting: "Salir de la reunión",
  meetingFailed: "No se pudo abrir la reunión.",
  meetingLoadFailed: (domain) => `No se pudo contactar con el servidor de reuniones (${domain}).`,
};

export const callStrings: Record<Lang, CallStrings> = { en, es };

/** The shell's choice wins; otherwise the browser language decides (Spanish for any `es-*`). */
export function pickLang(lang?: string | null, browserLanguage?: string): Lang {
  const candidate = (lang ?? browserLanguage ?? "en").toLowerCase();
  return candidate.startsWith("es") ? "es" : "en";
}

/** `mm:ss`, or `h:mm:ss` past an hour. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const pad = (n: number) => String(n).padStart(2, "0");
  return h > 0 ? `${h}:${pad(m)}:${pad(s)}` : `${pad(m)}:${pad(s)}`;
}
