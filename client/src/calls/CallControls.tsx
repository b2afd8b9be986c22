import type { ReactNode } from "react";
import { PhoneIcon } from "./CallButtons";
import { useCallsContext } from "./context";
import { CameraIcon, MicIcon, ScreenIcon, ShrinkIcon } from "./parts";
import { canShareScreen } from "./screen";

function Toggle(props: {
  on: boolean;
  onLabel: string;
  offLabel: string;
  onClick(): void;
  disabled?: boolean;
  children: ReactNode;
}) {
  const label = props.on ? props.onLabel : props.offLabel;
  return (
    <button
      type="button"
      className={props.on ? "calls-round calls-round-on" : "calls-round"}
      aria-label={label}
      aria-pressed={props.on}
      title={label}
      disabled={props.disabled}
      onClick={props.onClick}
    >
      {props.children}
    </button>
  );
}

/** The in-call controls of 1:1 calls and group calls: mute, camera, screen, shrink, hang up / leave. */
export function CallControls(p: {
  muted: boolean;
  cameraOff: boolean;
  sharing: boolean;
  video: boolean;
  /** Screen sharing needs a connection to send it on. */
  canShare: boolean;
  minimized: boolean;
  onMute(): void;
  onCamera(): void;
  endLabel: string;
  onEnd(): void;
}) {
  const { controller, t } = useCallsContext();
  return (
    <div className="calls-controls">
      <Toggle on={p.muted} onLabel={t.unmute} offLabel={t.mute} onClick={p.onMute}>
        <MicIcon off={p.muted} />
      </Toggle>
      {p.video && (
        <Toggle on={p.cameraOff} onLabel={t.cameraOn} offLabel={t.cameraOff} onClick={p.onCamera}>
          <CameraIcon off={p.cameraOff} />
        </Toggle>
      )}
      {p.video && canShareScreen() && (
        <Toggle
          on={p.sharing}
          onLabel={t.stopSharing}
          offLabel={t.shareScreen}
          disabled={!p.canShare}
          onClick={() => void controller.toggleScreen()}
        >
          <ScreenIcon on={p.sharing} />
        </Toggle>
      )}
      <button
        type="button"
        className="calls-round"
        aria-label={p.minimized ? t.restore : t.minimize}
        title={p.minimized ? t.restore : t.minimize}
        onClick={() => controller.setMinimized(!p.minimized)}
      >
        <ShrinkIcon />
      </button>
      <button
        type="button"
        className="calls-round calls-round-decline"
        aria-label={p.endLabel}
        title={p.endLabel}
        onClick={p.onEnd}
      >
        <PhoneIcon />
      </button>
    </div>
  );
}
