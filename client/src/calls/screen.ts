// Screen sharing for 1:1 and mesh calls: the screen replaces the camera on the video sender of
// each connection (RTCRtpSender.replaceTrack, no renegotiation); stopping puts the camera back.

/** Asks the browser for a screen, window or tab; null if the user cancelled or it is unsupported. */
export async function captureScreen(): Promise<MediaStreamTrack | null> {
  try {
    const stream = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
    return stream.getVideoTracks()[0] ?? null;
  } catch {
    return null;
  }
}

/** Sends `track` instead of whatever video this connection sends now. */
export async function sendVideo(
  pc: RTCPeerConnection | null | undefined,
  track: MediaStreamTrack | null,
): Promise<void> {
  const sender = pc?.getSenders().find((s) => s.track?.kind === "video");
  if (!sender) return;
  try {
    await sender.replaceTrack(track);
  } catch {
    // The connection is closing; nothing to show anyway.
  }
}

export const canShareScreen = () =>
  typeof navigator !== "undefined" && typeof navigator.mediaDevices?.getDisplayMedia === "function";
