import type { MeetingResponse } from "@messenger/protocol";
import { useEffect, useRef, useState } from "react";
import { useCallsContext } from "./context";
import { externalApiSource, type JitsiMeetExternalApi, loadJitsiApi } from "./jitsi";

/** The embedded Jitsi room, created through Jitsi's IFrame API with this user's JWT. */
export function MeetingOverlay({ meeting, title }: { meeting: MeetingResponse; title: string | null }) {
  const { controller, me, t, lang } = useCallsContext();
  const parentRef = useRef<HTMLDivElement>(null);
  const [error, setError] = useState<string | null>(null);
  // Read at creation time only: a language switch must not reload a running meeting.
  const settings = useRef({ displayName: me.displayName, lang, t });

  useEffect(() => {
    let api: JitsiMeetExternalApi | null = null;
    let cancelled = false;
    setError(null);
    const { host, scriptUrl, noSSL } = externalApiSource(meeting);
    loadJitsiApi(scriptUrl)
      .then((JitsiMeetExternalAPI) => {
        const parentNode = parentRef.current;
        if (cancelled || !parentNode) return;
        api = new JitsiMeetExternalAPI(host, {
          roomName: meeting.roomName,
          jwt: meeting.jwt,
          parentNode,
          width: "100%",
          height: "100%",
          lang: settings.current.lang,
          noSSL,
          userInfo: { displayName: settings.current.displayName },
          configOverwrite: { prejoinConfig: { enabled: false } },
        });
        // Jitsi's own hang-up button ends with readyToClose: take the overlay down with it (and
        // tell the server we left; the last one out ends the meeting).
        api.addListener("readyToClose", () => controller.closeMeeting());
        api.addListener("videoConferenceLeft", () => controller.closeMeeting());
      })
      .catch(() => {
        if (!cancelled) setError(settings.current.t.meetingLoadFailed(host));
      });
    return () => {
      cancelled = true;
      api?.dispose();
    };
  }, [meeting, controller]);

  return (
    <div className="calls-meeting" role="dialog" aria-modal="true" aria-label={t.meeting}>
      <header className="calls-meeting-bar">
        <span className="calls-topbar-name">{title ? `${t.meeting} · ${title}` : t.meeting}</span>
        <button type="button" className="calls-text-button calls-leave" onClick={() => controller.closeMeeting()}>
          {t.leaveMeeting}
        </button>
      </header>
      {error && (
        <p className="calls-meeting-error" role="alert">
          {error}
        </p>
      )}
      <div ref={parentRef} className="calls-meeting-frame" data-testid="meeting-frame" />
    </div>
  );
}
