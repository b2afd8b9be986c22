// A call in the timeline: what happened (missed, declined, busy, failed, or a video/voice call),
// how long it lasted and when.
import type { Message } from "@messenger/protocol";
import { type MessageKey, useI18n } from "../i18n";
import { formatDuration, timeLabel } from "./format";
import { Icon } from "./Icon";
import { DaySeparator } from "./MessageBody";

type CallLog = NonNullable<Message["call"]>;

/** The label of a call that did not take place, by outcome; one that did says video or voice. */
const NOT_TAKEN: Record<Exclude<CallLog["outcome"], "completed">, MessageKey> = {
  missed: "call.missed",
  declined: "call.declined",
  busy: "call.busy",
  failed: "call.failed",
};

function callLabelKey(call: CallLog): MessageKey {
  // A group meeting (built-in call or Jitsi) names who took part.
  if (call.participantIds) return "call.meeting";
  if (call.outcome === "completed") return call.video ? "call.video" : "call.audio";
  return NOT_TAKEN[call.outcome];
}

export function CallLogRow({ message: m, call, newDay }: { message: Message; call: CallLog; newDay: boolean }) {
  const { t, locale } = useI18n();
  return (
    <div className="row" data-testid="message" data-seq={m.seq} data-kind="call">
      {newDay && <DaySeparator iso={m.createdAt} />}
      <div className="call-log">
        <Icon name="phone" size={14} /> {t(callLabelKey(call))}
        {call.durationMs >= 1000 && ` · ${formatDuration(call.durationMs)}`}
        {call.participantIds && ` · ${t("call.people", { count: call.participantIds.length })}`} ·{" "}
        {timeLabel(m.createdAt, locale)}
      </div>
    </div>
  );
}
