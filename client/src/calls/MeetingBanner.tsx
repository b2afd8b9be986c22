import type { Conversation } from "@messenger/protocol";
import { useEffect } from "react";
import { useCallsState } from "./CallsProvider";
import { useCallsContext } from "./context";

/** "A meeting is in progress — Join" for a group, shown after its meeting:started. */
export function MeetingBanner({ conversation }: { conversation: Conversation }) {
  const { controller, me, t } = useCallsContext();
  const { meetings, meeting } = useCallsState();
  const announced = meetings[conversation.id];
  useEffect(() => controller.bannerOnScreen(conversation.id), [controller, conversation.id]);
  if (!announced || announced.startedBy === me.id) return null;
  if (meeting?.status === "open" && meeting.conversationId === conversation.id) return null;
  const starter = conversation.members.find((m) => m.user.id === announced.startedBy)?.user.displayName;
  const loading = meeting?.status === "loading" && meeting.conversationId === conversation.id;
  return (
    <section className="calls-meeting-banner" aria-label={t.meetingInProgress}>
      <span className="calls-meeting-banner-dot" aria-hidden="true" />
      <span className="calls-meeting-banner-text">{starter ? t.meetingStartedBy(starter) : t.meetingInProgress}</span>
      <button
        type="button"
        className="calls-meeting-banner-join"
        disabled={loading}
        onClick={() => void controller.joinMeeting(conversation.id, conversation.title)}
      >
        {t.joinMeeting}
      </button>
      <button
        type="button"
        className="calls-meeting-banner-dismiss"
        aria-label={t.dismiss}
        title={t.dismiss}
        onClick={() => controller.dismissMeetingBanner(conversation.id)}
      >
        ×
      </button>
    </section>
  );
}
