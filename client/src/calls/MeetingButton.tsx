import type { Conversation } from "@messenger/protocol";
import { useState } from "react";
import { useCallsState } from "./CallsProvider";
import { useCallsContext } from "./context";
import { operationsGuideUrl } from "./docs";

/**
 * "Start meeting" for a group conversation's header. It says what it starts (the built-in call or
 * Jitsi); a group larger than the built-in call without Jitsi gets an explanation instead.
 */
export function MeetingButton({ conversation }: { conversation: Conversation }) {
  const { controller, t } = useCallsContext();
  const { meeting, mesh, provider } = useCallsState();
  const [explain, setExplain] = useState(false);
  if (conversation.kind !== "group") return null;
  const loading = meeting?.status === "loading" && meeting.conversationId === conversation.id;
  const max = provider?.provider === "mesh" ? provider.maxParticipants : null;
  const tooBig = max !== null && conversation.members.length > max;
  const kind = provider ? (provider.provider === "jitsi" ? t.providerJitsi : t.providerMesh(max ?? 0)) : "";
  return (
    <span className="calls-meeting-start">
      <button
        type="button"
        className="calls-meeting-button"
        aria-label={t.startMeeting}
        aria-describedby={kind ? `calls-provider-${conversation.id}` : undefined}
        title={kind || undefined}
        disabled={loading || meeting?.status === "open" || mesh !== null}
        onClick={() =>
          tooBig ? setExplain((v) => !v) : void controller.startMeeting(conversation.id, conversation.title)
        }
      >
        {loading ? t.startingMeeting : t.startMeeting}
        {kind && (
          <span
            id={`calls-provider-${conversation.id}`}
            className="calls-meeting-provider"
            data-testid="meeting-provider"
          >
            {provider?.provider === "jitsi" ? "Jitsi" : t.groupCall}
          </span>
        )}
      </button>
      {tooBig && explain && max !== null && (
        <span className="calls-meeting-explain" role="note" data-testid="meeting-too-big">
          {t.meshTooBig(max)}{" "}
          <a href={operationsGuideUrl} target="_blank" rel="noreferrer">
            {t.opsGuide}
          </a>
        </span>
      )}
    </span>
  );
}
