import { useEffect, useRef, useState } from "react";
import { Avatar } from "../ui/Avatar";
import { formatDuration } from "../ui/format";
import { PhoneIcon, VideoIcon } from "./CallButtons";
import { useCallsState } from "./CallsProvider";
import { useCallsContext } from "./context";
import { MeetingOverlay } from "./MeetingOverlay";
import { startTone } from "./ringtone";
import { type ActiveCall, type MeetingAnnouncement, meetingNotice } from "./store";
import "./calls.css";

/** Mounted once at the app root: everything a call or meeting puts on screen. */
export function CallLayer() {
  const { controller, me } = useCallsContext();
  const state = useCallsState();
  const { call, meeting } = state;
  const phase = call?.phase ?? null;
  const notice = meetingNotice(state, me.id);

  // Ring while ringing; the sound belongs to the phase, not to a component's lifetime.
  useEffect(() => {
    if (phase !== "incoming" && phase !== "outgoing") return;
    const tone = startTone(phase === "incoming" ? "incoming" : "ringback");
    return () => tone.stop();
  }, [phase]);

  // Esc closes what is safe to close; it never hangs up a connected call.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== "Escape" || e.defaultPrevented) return;
      const state = controller.store.getState();
      const p = state.call?.phase;
      if (p === "incoming") controller.decline();
      else if (p === "outgoing") controller.hangUp();
      else if (p === "ended") controller.dismiss();
      else if (state.meeting?.status === "failed") controller.closeMeeting();
      else return;
      e.preventDefault();
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [controller]);

  return (
    <>
      {meeting?.status === "open" && <MeetingOverlay meeting={meeting.meeting} title={meeting.title} />}
      {call?.phase === "incoming" && <IncomingDialog call={call} />}
      {call?.phase === "outgoing" && <OutgoingView call={call} />}
      {(call?.phase === "connecting" || call?.phase === "connected" || call?.phase === "reconnecting") && (
        <InCallView call={call} />
      )}
      {call?.phase === "ended" && <EndedNotice call={call} />}
      {meeting?.status === "failed" && <MeetingError message={meeting.message} />}
      {notice && !isBusyScreen(phase) && meeting?.status !== "open" && <MeetingNotice announcement={notice} />}
    </>
  );
}

function peerName(call: ActiveCall, fallback: string): string {
  return call.peer?.displayName || call.peer?.username || fallback;
}

/** Moves focus into a dialog on open and gives it back to where it was on close. */
function useFocusOnOpen<T extends HTMLElement>() {
  const ref = useRef<T>(null);
  useEffect(() => {
    const previous = document.activeElement as HTMLElement | null;
    ref.current?.focus();
    return () => {
      if (previous && document.contains(previous)) previous.focus();
    };
  }, []);
  return ref;
}

function StreamVideo({
  stream,
  muted,
  className,
  label,
  testId,
}: {
  stream: MediaStream | null;
  muted: boolean;
  className: string;
  label: string;
  testId?: string;
}) {
  const ref = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    el.muted = muted;
    if (el.srcObject !== stream) {
      el.srcObject = stream;
      if (stream) el.play().catch(() => {});
    }
  }, [stream, muted]);
  return (
    // biome-ignore lint/a11y/useMediaCaption: a live call has no caption track to offer.
    <video ref={ref} className={className} autoPlay playsInline aria-label={label} data-testid={testId} />
  );
}

function RemoteAudio({ stream }: { stream: MediaStream | null }) {
  const ref = useRef<HTMLAudioElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (el && el.srcObject !== stream) {
      el.srcObject = stream;
      if (stream) el.play().catch(() => {});
    }
  }, [stream]);
  // biome-ignore lint/a11y/useMediaCaption: a live call has no caption track to offer.
  return <audio ref={ref} autoPlay />;
}

/** The other person, large: the app's Avatar, so the colour and initials match the chat's. */
function PeerAvatar({ call, name }: { call: ActiveCall; name: string }) {
  return <Avatar user={{ id: call.peer?.id ?? name, displayName: name }} size={88} />;
}

function IncomingDialog({ call }: { call: ActiveCall }) {
  const { controller, t } = useCallsContext();
  const acceptRef = useFocusOnOpen<HTMLButtonElement>();
  const name = peerName(call, t.someone);
  return (
    <div className="calls-backdrop">
      <div
        className="calls-card calls-incoming"
        role="dialog"
        aria-modal="true"
        aria-label={t.incomingCall}
        aria-describedby="calls-incoming-text"
      >
        <PeerAvatar call={call} name={name} />
        <p className="calls-card-title">{name}</p>
        <p id="calls-incoming-text" className="calls-card-sub">
          {call.video ? t.incomingVideo(name) : t.incomingAudio(name)}
        </p>
        <div className="calls-card-actions">
          <button
            type="button"
            className="calls-round calls-round-decline"
            aria-label={t.decline}
            title={t.decline}
            onClick={() => controller.decline()}
          >
            <PhoneIcon />
          </button>
          <button
            ref={acceptRef}
            type="button"
            className="calls-round calls-round-accept"
            aria-label={t.accept}
            title={t.accept}
            onClick={() => void controller.accept()}
          >
            {call.video ? <VideoIcon /> : <PhoneIcon />}
          </button>
        </div>
      </div>
    </div>
  );
}

function OutgoingView({ call }: { call: ActiveCall }) {
  const { controller, t } = useCallsContext();
  const cancelRef = useFocusOnOpen<HTMLButtonElement>();
  const name = peerName(call, t.someone);
  return (
    <div className="calls-stage" role="dialog" aria-modal="true" aria-label={t.calling(name)}>
      {call.video && <StreamVideo stream={call.localStream} muted className="calls-preview" label={t.yourVideo} />}
      <div className="calls-stage-center">
        <PeerAvatar call={call} name={name} />
        <p className="calls-card-title">{t.calling(name)}</p>
        <p className="calls-card-sub" aria-live="polite">
          {t.ringing}
        </p>
      </div>
      <div className="calls-controls">
        <button
          ref={cancelRef}
          type="button"
          className="calls-round calls-round-decline"
          aria-label={t.cancel}
          title={t.cancel}
          onClick={() => controller.hangUp()}
        >
          <PhoneIcon />
        </button>
      </div>
    </div>
  );
}

function useNow(active: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    setNow(Date.now());
    const id = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(id);
  }, [active]);
  return now;
}

function InCallView({ call }: { call: ActiveCall }) {
  const { controller, t } = useCallsContext();
  // Focus the call window, not the hang-up button: a stray Enter must not end the call.
  const stageRef = useFocusOnOpen<HTMLDivElement>();
  const name = peerName(call, t.someone);
  const now = useNow(call.connectedAt !== null);
  const status =
    call.phase === "connecting"
      ? t.connecting
      : call.phase === "reconnecting"
        ? t.reconnecting
        : formatDuration(now - (call.connectedAt ?? now));
  const showRemoteVideo = call.video && call.remoteStream && !call.remoteCameraOff;
  return (
    <div
      ref={stageRef}
      tabIndex={-1}
      className="calls-stage"
      role="dialog"
      aria-modal="true"
      aria-label={t.callWith(name)}
    >
      {call.video ? (
        <StreamVideo
          stream={call.remoteStream}
          muted={false}
          className={showRemoteVideo ? "calls-remote" : "calls-remote calls-hidden"}
          label={t.theirVideo(name)}
          testId="call-remote-video"
        />
      ) : (
        <RemoteAudio stream={call.remoteStream} />
      )}
      {!showRemoteVideo && (
        <div className="calls-stage-center">
          <PeerAvatar call={call} name={name} />
          {call.remoteCameraOff && <p className="calls-card-sub">{t.remoteCameraOff(name)}</p>}
        </div>
      )}
      <header className="calls-topbar">
        <span className="calls-topbar-name">{name}</span>
        {/* Phase changes are announced; the running timer is not (role=timer is not live). */}
        <span
          className="calls-topbar-status"
          data-testid="call-status"
          data-phase={call.phase}
          role={call.phase === "connected" ? "timer" : "status"}
        >
          {status}
        </span>
        {call.route && (
          <span
            className={`calls-route calls-route-${call.route}`}
            data-testid="call-route"
            data-route={call.route}
            title={t.routeTitle}
          >
            {call.route === "relay" ? t.relay : t.direct}
          </span>
        )}
        {call.remoteMuted && <span className="calls-remote-muted">{t.remoteMuted(name)}</span>}
      </header>
      {call.video && (
        <StreamVideo
          stream={call.localStream}
          muted
          className={call.cameraOff ? "calls-local calls-local-off" : "calls-local"}
          label={t.yourVideo}
        />
      )}
      <div className="calls-controls">
        <button
          type="button"
          className={call.muted ? "calls-round calls-round-on" : "calls-round"}
          aria-label={call.muted ? t.unmute : t.mute}
          aria-pressed={call.muted}
          title={call.muted ? t.unmute : t.mute}
          onClick={() => controller.toggleMute()}
        >
          <MicIcon off={call.muted} />
        </button>
        {call.video && (
          <button
            type="button"
            className={call.cameraOff ? "calls-round calls-round-on" : "calls-round"}
            aria-label={call.cameraOff ? t.cameraOn : t.cameraOff}
            aria-pressed={call.cameraOff}
            title={call.cameraOff ? t.cameraOn : t.cameraOff}
            onClick={() => controller.toggleCamera()}
          >
            <CameraIcon off={call.cameraOff} />
          </button>
        )}
        <button
          type="button"
          className="calls-round calls-round-decline"
          aria-label={t.hangUp}
          title={t.hangUp}
          onClick={() => controller.hangUp()}
        >
          <PhoneIcon />
        </button>
      </div>
    </div>
  );
}

function EndedNotice({ call }: { call: ActiveCall }) {
  const { controller, t } = useCallsContext();
  const closeRef = useFocusOnOpen<HTMLButtonElement>();
  const name = peerName(call, t.someone);
  const reason = call.endedReason ?? "hangup";
  const duration =
    call.connectedAt !== null && call.endedAt !== null ? formatDuration(call.endedAt - call.connectedAt) : null;
  // A plain hang-up explains itself; let it fade. Anything else waits to be read.
  useEffect(() => {
    if (reason !== "hangup") return;
    const id = setTimeout(() => controller.dismiss(), 4000);
    return () => clearTimeout(id);
  }, [reason, controller]);
  return (
    <div className="calls-toast" role="alertdialog" aria-label={t.callEnded} aria-describedby="calls-ended-text">
      <p className="calls-card-title">{t.callEnded}</p>
      <p id="calls-ended-text" className="calls-card-sub" data-testid="call-ended-reason" data-reason={reason}>
        {t.ended[reason](name)}
        {duration && ` ${t.duration(duration)}`}
      </p>
      <button ref={closeRef} type="button" className="calls-text-button" onClick={() => controller.dismiss()}>
        {t.close}
      </button>
    </div>
  );
}

const isBusyScreen = (phase: ActiveCall["phase"] | null) => phase !== null && phase !== "ended";

/** A meeting started in a group that is not on screen: say where, offer to join. */
function MeetingNotice({ announcement }: { announcement: MeetingAnnouncement }) {
  const { controller, t } = useCallsContext();
  const { conversationId, starterName, title } = announcement;
  return (
    <section className="calls-toast calls-meeting-notice" aria-label={t.meetingStarted}>
      <p className="calls-card-sub">{t.meetingStartedIn(starterName ?? null, title ?? null)}</p>
      <div className="calls-toast-actions">
        <button
          type="button"
          className="calls-text-button calls-join"
          onClick={() => void controller.joinMeeting(conversationId, title ?? null)}
        >
          {t.joinMeeting}
        </button>
        <button
          type="button"
          className="calls-text-button"
          onClick={() => controller.dismissMeetingBanner(conversationId)}
        >
          {t.dismiss}
        </button>
      </div>
    </section>
  );
}

function MeetingError({ message }: { message: string }) {
  const { controller, t } = useCallsContext();
  return (
    <div className="calls-toast" role="alert">
      <p className="calls-card-sub">{message}</p>
      <button type="button" className="calls-text-button" onClick={() => controller.closeMeeting()}>
        {t.close}
      </button>
    </div>
  );
}

function MicIcon({ off }: { off: boolean }) {
  return (
    <svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true" focusable="false">
      <path
        fill="currentColor"
        d="M12 14a3 3 0 0 0 3-3V5a3 3 0 0 0-6 0v6a3 3 0 0 0 3 3zm5-3a5 5 0 0 1-10 0H5a7 7 0 0 0 6 6.9V21h2v-3.1A7 7 0 0 0 19 11z"
      />
      {off && <path stroke="currentColor" strokeWidth="2" d="M4 4l16 16" />}
    </svg>
  );
}

function CameraIcon({ off }: { off: boolean }) {
  return (
    <svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true" focusable="false">
      <path
        fill="currentColor"
        d="M15 8a2 2 0 0 0-2-2H5a2 2 0 0 0-2 2v8a2 2 0 0 0 2 2h8a2 2 0 0 0 2-2v-2.2l4.4 2.9A1 1 0 0 0 21 15.9V8.1a1 1 0 0 0-1.6-.8L15 10.2z"
      />
      {off && <path stroke="currentColor" strokeWidth="2" d="M3 3l18 18" />}
    </svg>
  );
}
