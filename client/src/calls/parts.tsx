// Pieces the 1:1 call view and the group call view share: live video and audio elements,
// focus handling, the movable picture-in-picture panel, the control icons.
import { type RefObject, useEffect, useRef } from "react";

/** Moves focus into a dialog on open and gives it back to where it was on close. */
export function useFocusOnOpen<T extends HTMLElement>() {
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

export function StreamVideo({
  stream,
  muted,
  className,
  label,
  testId,
  userId,
}: {
  stream: MediaStream | null;
  muted: boolean;
  className: string;
  label: string;
  testId?: string;
  /** Whose video (group calls). */
  userId?: string;
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
    <video
      ref={ref}
      className={className}
      autoPlay
      playsInline
      aria-label={label}
      data-testid={testId}
      data-user-id={userId}
    />
  );
}

export function RemoteAudio({ stream }: { stream: MediaStream | null }) {
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

export function MicIcon({ off }: { off: boolean }) {
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

export function CameraIcon({ off }: { off: boolean }) {
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

export function ScreenIcon({ on }: { on: boolean }) {
  return (
    <svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true" focusable="false">
      <path
        fill="currentColor"
        d="M3 4h18a1 1 0 0 1 1 1v11a1 1 0 0 1-1 1h-7v2h3v2H7v-2h3v-2H3a1 1 0 0 1-1-1V5a1 1 0 0 1 1-1zm1 2v9h16V6z"
      />
      {on && <path fill="currentColor" d="M12 7l3.5 3.5H13V14h-2v-3.5H8.5z" />}
    </svg>
  );
}

export function ShrinkIcon() {
  return (
    <svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true" focusable="false">
      <path fill="currentColor" d="M3 5h18v14H3zm2 2v10h14V7zm7 5h6v4h-6z" />
    </svg>
  );
}

/**
 * Lets the user drag a fixed panel (the picture-in-picture call) by any non-button part of it.
 * The position is kept in a ref and applied as a transform, so React renders do not move it.
 */
export function useDraggable(ref: RefObject<HTMLElement | null>, enabled: boolean): void {
  const offset = useRef({ x: 0, y: 0 });
  useEffect(() => {
    const el = ref.current;
    if (!el || !enabled) return;
    el.style.transform = `translate(${offset.current.x}px, ${offset.current.y}px)`;
    let start: { x: number; y: number; ox: number; oy: number } | null = null;
    const down = (e: PointerEvent) => {
      if ((e.target as HTMLElement).closest("button, a, input, textarea")) return;
      start = { x: e.clientX, y: e.clientY, ox: offset.current.x, oy: offset.current.y };
      el.setPointerCapture(e.pointerId);
    };
    const move = (e: PointerEvent) => {
      if (!start) return;
      offset.current = { x: start.ox + e.clientX - start.x, y: start.oy + e.clientY - start.y };
      el.style.transform = `translate(${offset.current.x}px, ${offset.current.y}px)`;
    };
    const up = () => {
      start = null;
    };
    el.addEventListener("pointerdown", down);
    el.addEventListener("pointermove", move);
    el.addEventListener("pointerup", up);
    el.addEventListener("pointercancel", up);
    return () => {
      el.removeEventListener("pointerdown", down);
      el.removeEventListener("pointermove", move);
      el.removeEventListener("pointerup", up);
      el.removeEventListener("pointercancel", up);
      el.style.transform = "";
    };
  }, [ref, enabled]);
}

/** Full screen the call is a modal dialog; shrunk to a panel it is a region beside the chat. */
export function stageRole(
  minimized: boolean,
  label: string,
): { role: "region" | "dialog"; "aria-label": string; "aria-modal"?: true } {
  return minimized
    ? { role: "region", "aria-label": label }
    : { role: "dialog", "aria-modal": true, "aria-label": label };
}
