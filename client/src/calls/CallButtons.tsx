import type { Conversation } from "@messenger/protocol";
import { useCallsState } from "./CallsProvider";
import { useCallsContext } from "./context";
import { isCallActive } from "./store";

/** Video and audio call buttons for a direct conversation's header. */
export function CallButtons({ conversation }: { conversation: Conversation }) {
  const { controller, t } = useCallsContext();
  const { call } = useCallsState();
  if (conversation.kind !== "direct") return null;
  const busy = isCallActive(call);
  return (
    <div className="calls-buttons">
      <button
        type="button"
        className="calls-icon-button"
        aria-label={t.videoCall}
        title={t.videoCall}
        disabled={busy}
        onClick={() => void controller.startCall(conversation, true)}
      >
        <VideoIcon />
      </button>
      <button
        type="button"
        className="calls-icon-button"
        aria-label={t.audioCall}
        title={t.audioCall}
        disabled={busy}
        onClick={() => void controller.startCall(conversation, false)}
      >
        <PhoneIcon />
      </button>
    </div>
  );
}

export function VideoIcon() {
  return (
    <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false">
      <path
        fill="currentColor"
        d="M15 8a2 2 0 0 0-2-2H5a2 2 0 0 0-2 2v8a2 2 0 0 0 2 2h8a2 2 0 0 0 2-2v-2.2l4.4 2.9A1 1 0 0 0 21 15.9V8.1a1 1 0 0 0-1.6-.8L15 10.2z"
      />
    </svg>
  );
}

export function PhoneIcon() {
  return (
    <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false">
      <path
        fill="currentColor"
        d="M6.6 10.8a15.1 15.1 0 0 0 6.6 6.6l2.2-2.2a1 1 0 0 1 1-.25 11.4 11.4 0 0 0 3.6.57 1 1 0 0 1 1 1V20a1 1 0 0 1-1 1A17 17 0 0 1 3 4a1 1 0 0 1 1-1h3.5a1 1 0 0 1 1 1c0 1.25.2 2.45.57 3.57a1 1 0 0 1-.25 1z"
      />
    </svg>
  );
}
