// The pieces every row of the timeline shares: the day separator and a message's text.
import { useI18n } from "../i18n";
import { dayLabel, linkify } from "./format";
import { MentionText } from "./MentionText";

export function DaySeparator({ iso }: { iso: string }) {
  const { t, locale } = useI18n();
  return (
    <div className="day-separator" data-testid="day-separator">
      <span>{dayLabel(iso, t, locale)}</span>
    </div>
  );
}

/** Message text: plain text nodes and links. Never HTML. */
export function Body({ text }: { text: string }) {
  return (
    <p className="body" data-testid="message-body">
      {linkify(text).map((part, i) =>
        part.kind === "link" ? (
          // biome-ignore lint/suspicious/noArrayIndexKey: parts of one immutable string
          <a key={i} href={part.href} target="_blank" rel="noopener noreferrer nofollow">
            {part.text}
          </a>
        ) : (
          // biome-ignore lint/suspicious/noArrayIndexKey: parts of one immutable string
          <MentionText key={i} text={part.text} />
        ),
      )}
    </p>
  );
}
