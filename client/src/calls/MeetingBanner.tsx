import type { Conversation } from "@messenger/protocol";
import { useEffect } from "react";
import { useCallsState } from "./CallsProvider";
import { useCallsContext } from "./context";

/**
 * "A meeting is in progress — Join" for a group: from meeting:started / meeting:updated, and from
 * the server's state when the group opens (after a reload, or for whoever arrives later).
 */
export function MeetingBanner({ conversation }: { conversation: Conversation }) {
  const { controller, me, t } = useCallsContext();
  const { meetings, meeting, mesh } = useCallsState();
  const announced = meetings[conversation.id];
  useEffect(() => controller.bannerOnScreen(conversation.id), [controller, conversation.id]);
  useEffect(() => {
    if (conversation.kind === "group") void controller.refreshMeeting(conversation.id);
  }, [controller, conversation.id, conversation.kind]);
  if (!announced) return null;
  // The starter's own announcement, before the server's state says who is in it.
  if (!announced.participantIds && announced.startedBy === me.id) return null;
  if (meeting?.status === "open" && meeting.conversationId === conversation.id) return null;
  if (mesh?.conversationId === conversation.id) return null;
  const starter = conversation.members.find((m) => m.user.id === announced.startedBy)?.user.displayName;
  const loading = meeting?.status === "loading" && meeting.conversationId === conversation.id;
  const count = announced.participantIds?.length ?? 0;
  return (
    <section className="calls-meeting-banner" aria-label={t.meetingInProgress}>
      <span className="calls-meeting-banner-dot" aria-hidden="true" />
      <span className="calls-meeting-banner-text">
        {starter ? t.meetingStartedBy(starter) : t.meetingInProgress}
        {count > 0 && <span className="calls-meeting-banner-count"> · {t.inCall(count)}</span>}
      </span>
      <button
        type="button"
        className="calls-meeting-banner-join"
        disabled={loading || mesh !== null}
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
