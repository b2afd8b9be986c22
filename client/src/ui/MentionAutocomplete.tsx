// The composer's @mention autocomplete: typing `@` and some letters lists matching members (and
// @channel / @here in groups) above the box; ↑/↓ move, Enter or Tab puts the chosen one in, Esc
// closes the list. The composer passes its text, box and key events; this owns the rest.
import type { Conversation } from "@messenger/protocol";
import { type KeyboardEvent, type RefObject, useMemo, useState } from "react";
import { useI18n } from "../i18n";
import { Avatar } from "./Avatar";
import { useClient } from "./hooks";
import { insertMention, type MentionSuggestion, mentionName, mentionQueryAt, mentionSuggestions } from "./mentions";
import "./channels.css";

export function useMentionAutocomplete(
  conversation: Conversation,
  area: RefObject<HTMLTextAreaElement | null>,
  text: string,
  setText: (t: string) => void,
) {
  const client = useClient();
  const { t } = useI18n();
  const [caret, setCaret] = useState(0);
  const [active, setActive] = useState(0);
  /** The `@` position the user dismissed with Esc: no list for it until they type elsewhere. */
  const [dismissed, setDismissed] = useState<number | null>(null);
  const at = mentionQueryAt(text, caret);
  const open = at !== null && at.start !== dismissed;
  const suggestions = useMemo(
    () => (at ? mentionSuggestions(conversation, at.query, client.me()) : []),
    [at?.query, at, conversation, client],
  );
  const shown = open && suggestions.length > 0;
  const index = Math.min(active, suggestions.length - 1);

  const pick = (s: MentionSuggestion) => {
    if (!at) return;
    const next = insertMention(text, at.start, caret, mentionName(s));
    setText(next.text);
    setCaret(next.caret);
    setActive(0);
    requestAnimationFrame(() => {
      const el = area.current;
      if (!el) return;
      el.focus();
      el.setSelectionRange(next.caret, next.caret);
    });
  };

  return {
    /** Keeps track of the caret (call on change and select). */
    track(el: HTMLTextAreaElement) {
      setCaret(el.selectionStart ?? el.value.length);
      const q = mentionQueryAt(el.value, el.selectionStart ?? el.value.length);
      if (!q || q.start !== dismissed) setDismissed(null);
      if (q?.query !== at?.query) setActive(0);
    },
    /** Handles the key if the list is open (then the composer must not). */
    onKeyDown(e: KeyboardEvent<HTMLTextAreaElement>): boolean {
      if (!shown || e.nativeEvent.isComposing) return false;
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        const step = e.key === "ArrowDown" ? 1 : -1;
        setActive((index + step + suggestions.length) % suggestions.length);
      } else if (e.key === "Enter" || e.key === "Tab") {
        pick(suggestions[index]!);
      } else if (e.key === "Escape") {
        setDismissed(at.start);
      } else return false;
      e.preventDefault();
      e.stopPropagation();
      return true;
    },
    popup: shown ? (
      <div className="mention-popup">
        <div id="mention-suggestions" role="listbox" aria-label={t("mention.suggestions")}>
          {suggestions.map((s, i) => (
            <div
              key={s.kind === "user" ? s.user.id : s.name}
              id={`mention-option-${i}`}
              role="option"
              tabIndex={-1}
              aria-selected={i === index}
              className={i === index ? "active" : undefined}
              data-testid="mention-option"
              // Keep the focus in the box: picking with the mouse must not blur it.
              onMouseDown={(e) => {
                e.preventDefault();
                pick(s);
              }}
            >
              {s.kind === "user" ? (
                <>
                  <Avatar user={s.user} size={22} />
                  <span>
                    {s.user.displayName} <span className="muted">@{s.user.username}</span>
                  </span>
                </>
              ) : (
                <span>
                  <strong>@{s.name}</strong>{" "}
                  <span className="muted">{t(s.name === "channel" ? "mention.channel" : "mention.here")}</span>
                </span>
              )}
            </div>
          ))}
        </div>
      </div>
    ) : null,
    /** For the box: it controls the list while it is shown. */
    inputProps: shown
      ? { "aria-controls": "mention-suggestions", "aria-activedescendant": `mention-option-${index}` }
      : {},
  };
}
