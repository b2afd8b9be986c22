import { CallControls } from "./CallControls";
import { useCallsState } from "./CallsProvider";
import { useCallsContext } from "./context";
import { HealthPanel } from "./HealthPanel";
import { type MeshPeerView, type MeshView, meshSpotlight } from "./mesh-store";
import { MicIcon, StreamVideo, stageRole, useDraggable, useFocusOnOpen } from "./parts";

/** The built-in group call: a tile per participant (a shared screen fills the stage), the controls. */
export function MeshCall({ mesh }: { mesh: MeshView }) {
  const { controller, t } = useCallsContext();
  const { minimized } = useCallsState();
  const stageRef = useFocusOnOpen<HTMLDivElement>();
  useDraggable(stageRef, minimized);
  const nameOf = (userId: string) => mesh.names[userId] ?? t.someone;
  const peers = mesh.participantIds.map((id) => mesh.peers[id]).filter((p): p is MeshPeerView => p !== undefined);
  const spotlight = meshSpotlight(mesh);
  const label = mesh.title ? `${t.meeting} · ${mesh.title}` : t.meeting;
  return (
    <div
      ref={stageRef}
      tabIndex={-1}
      className={minimized ? "calls-stage calls-mesh calls-pip" : "calls-stage calls-mesh"}
      {...stageRole(minimized, label)}
      data-testid="mesh-call"
    >
      <header className="calls-topbar">
        <span className="calls-topbar-name">{label}</span>
        <span className="calls-topbar-status">{t.inCall(mesh.participantIds.length)}</span>
        {mesh.sharing && <span className="calls-remote-muted">{t.youShare}</span>}
      </header>
      <div className={spotlight ? "calls-mesh-grid calls-mesh-spotlight" : "calls-mesh-grid"}>
        {peers.map((p) => (
          <figure
            key={p.userId}
            className={p.userId === spotlight ? "calls-tile calls-tile-large" : "calls-tile"}
            data-testid="mesh-tile"
            data-user-id={p.userId}
            data-phase={p.phase}
            data-screen={p.screen ? "1" : undefined}
          >
            <StreamVideo
              stream={p.stream}
              muted={false}
              className={p.stream && !p.cameraOff ? "calls-tile-video" : "calls-tile-video calls-hidden"}
              label={t.theirVideo(nameOf(p.userId))}
              testId="mesh-remote-video"
              userId={p.userId}
            />
            <figcaption className="calls-tile-name">
              {nameOf(p.userId)}
              {p.muted && <MicIcon off />}
              {p.screen && <span className="calls-tile-tag"> · {t.sharing(nameOf(p.userId))}</span>}
            </figcaption>
            {p.phase === "connecting" && <p className="calls-tile-status">{t.connecting}</p>}
            {p.phase === "failed" && (
              <p className="calls-tile-status calls-tile-failed" role="alert" data-testid="mesh-peer-failed">
                {t.peerFailed(nameOf(p.userId))}
              </p>
            )}
          </figure>
        ))}
        <figure className="calls-tile calls-tile-self">
          <StreamVideo
            stream={mesh.localStream}
            muted
            className={mesh.cameraOff ? "calls-tile-video calls-hidden" : "calls-tile-video"}
            label={t.yourVideo}
          />
          <figcaption className="calls-tile-name">{t.you}</figcaption>
        </figure>
      </div>
      {!minimized && <HealthPanel rows={peers.map((p) => ({ name: nameOf(p.userId), health: p.health }))} />}
      <CallControls
        muted={mesh.muted}
        cameraOff={mesh.cameraOff}
        sharing={mesh.sharing}
        video
        canShare={peers.length > 0}
        minimized={minimized}
        onMute={() => controller.toggleMeshMute()}
        onCamera={() => controller.toggleMeshCamera()}
        endLabel={t.leaveMeeting}
        onEnd={() => controller.closeMeeting()}
      />
    </div>
  );
}
