// Ctrl/Cmd+K: jump to a conversation or a person by typing part of the name. Arrow keys move,
// Enter opens, Esc closes (Dialog).
import type { Conversation, User } from "@messenger/protocol";
import { useEffect, useMemo, useState } from "react";
import { useI18n } from "../i18n";
import { sortedConversations } from "../stores/conversations";
import { Dialog } from "./Dialog";
import { conversationTitle, errorText } from "./format";
import { useClient, useStore } from "./hooks";
import { openConversation } from "./navigation";
import { useUserSearch } from "./search";

type Choice = { kind: "conversation"; c: Conversation; title: string } | { kind: "person"; u: User };
const MAX_CONVERSATIONS = 8;
const MAX_PEOPLE = 5;

/** Opens on Ctrl+K / Cmd+K anywhere in the app. */
export function QuickSwitcher() {
  const [open, setOpen] = useState(false);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === "k") {
        e.preventDefault();
        setOpen((o) => !o);
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);
  return open ? <SwitcherDialog onClose={() => setOpen(false)} /> : null;
}

function SwitcherDialog({ onClose }: { onClose(): void }) {
  const client = useClient();
  const { t } = useI18n();
  const me = client.me();
  const [query, setQuery] = useState("");
  const [at, setAt] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const state = useStore(client.stores.conversations);
  const people = useUserSearch(query.trim());
  const q = query.trim().toLowerCase();

  const choices = useMemo<Choice[]>(() => {
    const convs = sortedConversations(state)
      .map((c) => ({ kind: "conversation" as const, c, title: conversationTitle(c, me) }))
      .filter((x) => !q || x.title.toLowerCase().includes(q))
      .slice(0, MAX_CONVERSATIONS);
    // People I already have a direct conversation with show as that conversation.
    const direct = new Set(convs.filter((x) => x.c.kind === "direct").map((x) => x.title));
    const found = q
      ? (people ?? [])
          .filter((u) => u.id !== me && !direct.has(u.displayName))
          .slice(0, MAX_PEOPLE)
          .map((u) => ({ kind: "person" as const, u }))
      : [];
    return [...convs, ...found];
  }, [state, people, q, me]);
  const selected = Math.min(at, Math.max(0, choices.length - 1));

  const choose = async (choice: Choice | undefined) => {
    if (!choice) return;
    try {
      const id = choice.kind === "conversation" ? choice.c.id : (await client.startDirect(choice.u.id)).id;
      onClose();
      openConversation(id);
    } catch (err) {
      setError(errorText(err, t));
    }
  };

  return (
    <Dialog label={t("switcher.title")} onClose={onClose} className="quick-switcher">
      <input
        type="search"
        value={query}
        placeholder={t("switcher.placeholder")}
        aria-label={t("switcher.placeholder")}
        aria-controls="quick-switcher-results"
        aria-activedescendant={choices.length ? `qs-${selected}` : undefined}
        data-testid="quick-switcher-input"
        onChange={(e) => {
          setQuery(e.target.value);
          setAt(0);
        }}
        onKeyDown={(e) => {
          if (e.key === "ArrowDown" || e.key === "ArrowUp") {
            e.preventDefault();
            const step = e.key === "ArrowDown" ? 1 : -1;
            setAt((selected + step + choices.length) % Math.max(1, choices.length));
          } else if (e.key === "Enter") {
            e.preventDefault();
            void choose(choices[selected]);
          }
        }}
      />
      <div id="quick-switcher-results" className="choices" role="listbox" aria-label={t("switcher.title")}>
        {choices.map((choice, i) => (
          <div
            key={choice.kind === "conversation" ? choice.c.id : choice.u.id}
            id={`qs-${i}`}
            role="option"
            tabIndex={-1}
            aria-selected={i === selected}
            className={i === selected ? "selected" : undefined}
            data-testid="quick-switcher-choice"
            onMouseEnter={() => setAt(i)}
            onMouseDown={(e) => {
              e.preventDefault();
              void choose(choice);
            }}
          >
            {choice.kind === "conversation" ? (
              <>
                <strong>{choice.title}</strong>
                {choice.c.unreadCount > 0 && <span className="badge">{choice.c.unreadCount}</span>}
              </>
            ) : (
              <>
                <strong>{choice.u.displayName}</strong> <span className="muted">@{choice.u.username}</span>
              </>
            )}
          </div>
        ))}
        {choices.length === 0 && <p className="muted">{t("list.noResults")}</p>}
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </Dialog>
  );
}
