// What "React" on a message opens: the quick reactions, and "more" for any emoji from the picker.
import { useEffect, useRef, useState } from "react";
import { useI18n } from "../i18n";
import { EmojiPicker } from "./EmojiPicker";
import { Icon } from "./Icon";

export const QUICK_REACTIONS = ["👍", "❤️", "😂", "😮", "😢", "🎉"];

export function ReactionMenu({ onPick, onClose }: { onPick(emoji: string): void; onClose(): void }) {
  const { t } = useI18n();
  const [more, setMore] = useState(false);
  const moreButton = useRef<HTMLButtonElement>(null);
  const handlers = useRef({ onClose });
  handlers.current = { onClose };
  // Esc closes the menu (the full picker, when open, handles Esc itself first).
  useEffect(() => {
    if (more) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") handlers.current.onClose();
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [more]);
  return (
    <div className="reaction-picker" role="menu">
      {QUICK_REACTIONS.map((e) => (
        <button key={e} type="button" role="menuitem" aria-label={e} onClick={() => onPick(e)}>
          {e}
        </button>
      ))}
      <button
        ref={moreButton}
        type="button"
        role="menuitem"
        aria-label={t("emoji.more")}
        title={t("emoji.more")}
        aria-expanded={more}
        onClick={() => setMore(!more)}
      >
        <Icon name="plus" size={16} />
      </button>
      {more && (
        <EmojiPicker
          className="for-reaction"
          anchor={moreButton}
          onPick={onPick}
          onClose={() => {
            setMore(false);
            onClose();
          }}
        />
      )}
    </div>
  );
}
