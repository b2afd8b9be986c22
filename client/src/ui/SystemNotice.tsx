// A system message in the timeline: a quiet one-line notice ("Dana added Lee", "Bob left",
// "Ana renamed the conversation to “Launch”"), with the time.
import type { Conversation, Message, SystemInfo } from "@messenger/protocol";
import { type Translate, useI18n } from "../i18n";
import { useDisplayName } from "./authors";
import { timeLabel } from "./format";
import { DaySeparator } from "./MessageBody";

/** "Lee", "Lee and Kim", "Lee, Kim and Ana". */
function namesText(names: string[], t: Translate): string {
  if (names.length === 0) return t("system.someone");
  if (names.length === 1) return names[0]!;
  return t("system.and", { a: names.slice(0, -1).join(", "), b: names.at(-1)! });
}

/** The notice's words; `nameOf` gives a user's display name, `title` the conversation's. */
export function systemText(s: SystemInfo, nameOf: (id: string) => string, t: Translate, title: string): string {
  const actor = nameOf(s.actorId);
  const users = namesText(s.userIds.map(nameOf), t);
  switch (s.event) {
    case "created":
      return t("system.created", { actor, title });
    case "joined":
      return t("system.joined", { users: s.userIds.length ? users : actor });
    case "left":
      return t("system.left", { users: s.userIds.length ? users : actor });
    case "added":
      return t("system.added", { actor, users });
    case "removed":
      return t("system.removed", { actor, users });
    case "renamed":
      return s.text ? t("system.renamedTo", { actor, title: s.text }) : t("system.renamed", { actor });
    case "topic":
      return s.text ? t("system.topicTo", { actor, topic: s.text }) : t("system.topic", { actor });
    case "archived":
      return t("system.archived", { actor });
    case "unarchived":
      return t("system.unarchived", { actor });
  }
}

export function SystemNotice({
  message: m,
  conversation,
  newDay,
}: {
  message: Message;
  conversation: Conversation;
  newDay: boolean;
}) {
  const { t, locale } = useI18n();
  const nameOf = useDisplayName(conversation);
  return (
    <div className="row" data-testid="message" data-seq={m.seq} data-kind="system">
      {newDay && <DaySeparator iso={m.createdAt} />}
      <p className="system-notice" data-testid="system-notice" data-event={m.system?.event}>
        {m.system && systemText(m.system, nameOf, t, conversation.title ?? "")}
        <time dateTime={m.createdAt}> · {timeLabel(m.createdAt, locale)}</time>
      </p>
    </div>
  );
}
