import type { Conversation } from "@messenger/protocol";
import { useCallsState } from "./CallsProvider";
import { useCallsContext } from "./context";

/** "Start meeting" for a group conversation's header: opens the embedded Jitsi room. */
export function MeetingButton({ conversation }: { conversation: Conversation }) {
  const { controller, t } = useCallsContext();
  const { meeting } = useCallsState();
  if (conversation.kind !== "group") return null;
  const loading = meeting?.status === "loading" && meeting.conversationId === conversation.id;
  return (
    <button
      type="button"
      className="calls-meeting-button"
      aria-label={t.startMeeting}
      disabled={loading || meeting?.status === "open"}
      onClick={() => void controller.startMeeting(conversation.id, conversation.title)}
    >
      {loading ? t.startingMeeting : t.startMeeting}
    </button>
  );
}
