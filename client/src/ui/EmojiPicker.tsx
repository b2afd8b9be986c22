// The emoji picker (emoji-mart: search, skin tones, frequently used), for the composer and for
// reactions. The library and its data load on first open, so the first paint stays small.
import { type CSSProperties, type RefObject, useEffect, useRef, useState } from "react";
import { createPortal } from "react-dom";
import { type Lang, useI18n } from "../i18n";

type PickerCtor = new (props: Record<string, unknown>) => HTMLElement;
let loading: Promise<{ Picker: PickerCtor; data: unknown }> | null = null;
const loadEmojiMart = () => {
  loading ??= Promise.all([import("emoji-mart"), import("@emoji-mart/data")]).then(([mart, data]) => ({
    Picker: mart.Picker as unknown as PickerCtor,
    data: data.default,
  }));
  // A failed load (offline) may succeed on the next open.
  loading.catch(() => {
    loading = null;
  });
  return loading;
};
// emoji-mart would fetch other languages from a CDN: give it ours from the package instead.
const loadStrings = (lang: Lang) =>
  lang === "es" ? import("@emoji-mart/data/i18n/es.json").then((m) => m.default) : Promise.resolve(undefined);

export function EmojiPicker({
  onPick,
  onClose,
  anchor,
  className,
}: {
  onPick(emoji: string): void;
  onClose(): void;
  /** The button that toggles the picker: a click on it is not a click outside. */
  anchor?: RefObject<HTMLElement | null>;
  className?: string;
}) {
  const { t, lang } = useI18n();
  const host = useRef<HTMLDivElement>(null);
  const handlers = useRef({ onPick, onClose });
  handlers.current = { onPick, onClose };

  useEffect(() => {
    let live = true;
    let picker: HTMLElement | null = null;
    void Promise.all([loadEmojiMart(), loadStrings(lang)])
      .then(([{ Picker, data }, i18n]) => {
        if (!live || !host.current) return;
        picker = new Picker({
          data,
          i18n,
          locale: lang,
          theme: "light",
          autoFocus: true,
          previewPosition: "none",
          skinTonePosition: "search",
          maxFrequentRows: 2,
          onEmojiSelect: (e: { native?: string }) => e.native && handlers.current.onPick(e.native),
          onClickOutside: (e: MouseEvent) => {
            if (!anchor?.current?.contains(e.target as Node)) handlers.current.onClose();
          },
        });
        host.current.appendChild(picker);
      })
      .catch(() => live && handlers.current.onClose());
    return () => {
      live = false;
      picker?.remove();
    };
  }, [lang, anchor]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== "Escape") return;
      e.stopPropagation();
      e.preventDefault();
      handlers.current.onClose();
      anchor?.current?.focus();
    };
    document.addEventListener("keydown", onKey, true);
    return () => document.removeEventListener("keydown", onKey, true);
  }, [anchor]);

  // Fixed beside its button, in <body>: the scrolling message list would clip it.
  const [place] = useState(() => placeNear(anchor?.current?.getBoundingClientRect()));
  return createPortal(
    <div
      ref={host}
      className={`emoji-picker ${className ?? ""}`}
      style={place}
      role="dialog"
      aria-label={t("emoji.picker")}
      data-testid="emoji-picker"
    />,
    document.body,
  );
}

// emoji-mart's default size.
const WIDTH = 352;
const HEIGHT = 435;
const GAP = 6;

function placeNear(r: DOMRect | undefined): CSSProperties {
  const vw = window.innerWidth;
  const vh = window.innerHeight;
  if (!r) return { position: "fixed", left: Math.max(GAP, (vw - WIDTH) / 2), top: Math.max(GAP, (vh - HEIGHT) / 2) };
  const left = Math.min(Math.max(GAP, r.right - WIDTH), Math.max(GAP, vw - WIDTH - GAP));
  const top =
    r.top - HEIGHT - GAP >= GAP ? r.top - HEIGHT - GAP : Math.max(GAP, Math.min(r.bottom + GAP, vh - HEIGHT - GAP));
  return { position: "fixed", left, top, zIndex: 50 };
}
