/** @jsxRuntime automatic */ // also when the pure renderer tests run these files outside Vite
// A fenced code block: monospace, scrolls sideways, highlighted once highlight.js has loaded, and a
// button that copies the code.
import { type ReactNode, useEffect, useState } from "react";
import { useI18n } from "../../i18n";
import { Icon } from "../Icon";

let highlighter: Promise<typeof import("./highlight")> | null = null;
const loadHighlighter = () => {
  highlighter ??= import("./highlight");
  return highlighter;
};

export function CodeBlock({ code, language }: { code: string; language?: string }) {
  const { t } = useI18n();
  const [highlighted, setHighlighted] = useState<ReactNode[] | null>(null);
  const [copied, setCopied] = useState(false);

  useEffect(() => {
    let live = true;
    loadHighlighter()
      .then((m) => live && setHighlighted(m.highlight(code, language || undefined)))
      .catch(() => undefined); // plain code is fine
    return () => {
      live = false;
    };
  }, [code, language]);

  useEffect(() => {
    if (!copied) return;
    const timer = setTimeout(() => setCopied(false), 1500);
    return () => clearTimeout(timer);
  }, [copied]);

  return (
    <div className="code-block" data-language={language || undefined}>
      <pre>
        <code className={`hljs${language ? ` language-${language}` : ""}`}>{highlighted ?? code}</code>
      </pre>
      <button
        type="button"
        className="icon-button copy-code"
        aria-label={copied ? t("code.copied") : t("code.copy")}
        title={copied ? t("code.copied") : t("code.copy")}
        onClick={() => {
          void navigator.clipboard?.writeText(code).then(
            () => setCopied(true),
            () => undefined,
          );
        }}
      >
        <Icon name={copied ? "check" : "copy"} size={14} />
      </button>
    </div>
  );
}
