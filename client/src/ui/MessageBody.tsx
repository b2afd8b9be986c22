// The pieces every row of the timeline shares: the day separator and a message's text.
import { useMemo } from "react";
import { useI18n } from "../i18n";
import { dayLabel } from "./format";
import { renderMarkdown, type TextRenderer } from "./markdown/render";

export function DaySeparator({ iso }: { iso: string }) {
  const { t, locale } = useI18n();
  return (
    <div className="day-separator" data-testid="day-separator">
      <span>{dayLabel(iso, t, locale)}</span>
    </div>
  );
}

/**
 * Message text as formatted markdown (bold, code, lists, links, emoji…), built as React elements:
 * never HTML. `renderText` decorates plain runs of text (mentions); code is left alone.
 */
export function Body({ text, renderText }: { text: string; renderText?: TextRenderer }) {
  const nodes = useMemo(() => renderMarkdown(text, renderText), [text, renderText]);
  return (
    <div className="body markdown" data-testid="message-body">
      {nodes}
    </div>
  );
}
