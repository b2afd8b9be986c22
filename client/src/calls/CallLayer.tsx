import { useEffect, useState } from "react";
import { Avatar } from "../ui/Avatar";
import { formatDuration } from "../ui/format";
import { PhoneIcon, VideoIcon } from "./CallButtons";
import { CallControls } from "./CallControls";
import { useCallsState } from "./CallsProvider";
import { useCallsContext } from "./context";
import { HealthPanel } from "./HealthPanel";
import { MeetingOverlay } from "./MeetingOverlay";
import { MeshCall } from "./MeshCall";
import { RemoteAudio, StreamVideo, stageRole, useDraggable, useFocusOnOpen } from "./parts";
import { startTone } from "./ringtone";
import { type ActiveCall, type MeetingAnnouncement, meetingNotice } from "./store";
import "./calls.css";

/** Mounted once at the app root: everything a call or meeting puts on screen. */
export function CallLayer() {
  const { controller, me } = useCallsContext();
  const state = useCallsState();
  const { call, meeting, mesh } = state;
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
      {mesh && <MeshCall mesh={mesh} />}
      {call?.phase === "incoming" && <IncomingDialog call={call} />}
      {call?.phase === "outgoing" && <OutgoingView call={call} />}
      {(call?.phase === "connecting" || call?.phase === "connected" || call?.phase === "reconnecting") && (
        <InCallView call={call} />
      )}
      {call?.phase === "ended" && <EndedNotice call={call} />}
      {meeting?.status === "failed" && <MeetingError message={meeting.message} />}
      {notice && !isBusyScreen(phase) && meeting?.status !== "open" && !mesh && <MeetingNotice announcement={notice} />}
    </>
  );
}

function peerName(call: ActiveCall, fallback: string): string {
  return call.peer?.displayName || call.peer?.username || fallback;
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
  const { minimized } = useCallsState();
  // Focus the call window, not the hang-up button: a stray Enter must not end the call.
  const stageRef = useFocusOnOpen<HTMLDivElement>();
  useDraggable(stageRef, minimized);
  const name = peerName(call, t.someone);
  const now = useNow(call.connectedAt !== null);
  const status =
    call.phase === "connecting"
      ? t.connecting
      : call.phase === "reconnecting"
        ? t.reconnecting
        : formatDuration(now - (call.connectedAt ?? now));
  const showRemoteVideo = call.video && call.remoteStream && (!call.remoteCameraOff || call.remoteScreen);
  return (
    <div
      ref={stageRef}
      tabIndex={-1}
      className={minimized ? "calls-stage calls-pip" : "calls-stage"}
      {...stageRole(minimized, t.callWith(name))}
      data-remote-screen={call.remoteScreen ? "1" : undefined}
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
        {call.remoteScreen && <span className="calls-remote-muted">{t.sharing(name)}</span>}
        {call.sharing && <span className="calls-remote-muted">{t.youShare}</span>}
      </header>
      {!minimized && call.phase !== "connecting" && <HealthPanel rows={[{ name, health: call.health }]} />}
      {call.video && (
        <StreamVideo
          stream={call.localStream}
          muted
          className={call.cameraOff ? "calls-local calls-local-off" : "calls-local"}
          label={t.yourVideo}
        />
      )}
      <CallControls
        muted={call.muted}
        cameraOff={call.cameraOff}
        sharing={call.sharing}
        video={call.video}
        canShare={call.phase === "connected"}
        minimized={minimized}
        onMute={() => controller.toggleMute()}
        onCamera={() => controller.toggleCamera()}
        endLabel={t.hangUp}
        onEnd={() => controller.hangUp()}
      />
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
