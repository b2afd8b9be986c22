import type { Conversation, Message, User } from "@messenger/protocol";
import { type KeyboardEvent, useEffect, useMemo, useState } from "react";
import { useI18n } from "../i18n";
import { conversationTitle, errorText, highlightMatches, listTime, matchSnippet, searchTerms } from "./format";
import { useClient, useStore } from "./hooks";
import { openConversation } from "./navigation";
import { usePeople } from "./people";

/** Waits this long after the last keystroke before asking the server. */
const MESSAGE_SEARCH_DEBOUNCE_MS = 250;
const USER_SEARCH_DEBOUNCE_MS = 150;

/** People whose username or name starts with `query` (everyone for ""), debounced; null until the first answer. */
export function useUserSearch(query: string) {
  const client = useClient();
  const [users, setUsers] = useState<User[] | null>(null);
  useEffect(() => {
    let live = true;
    const timer = setTimeout(() => {
      client.searchUsers(query).then(
        (u) => live && setUsers(u),
        () => live && setUsers([]),
      );
    }, USER_SEARCH_DEBOUNCE_MS);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [client, query]);
  return users;
}

export type MessageSearch =
  | { status: "idle" }
  | { status: "searching" }
  | { status: "done"; results: Message[] }
  | { status: "failed"; error: string };

/** My messages matching `query` (in one conversation when given), newest first; debounced, stale answers dropped. */
export function useMessageSearch(query: string, conversationId?: string): MessageSearch {
  const client = useClient();
  const { t } = useI18n();
  const q = query.trim();
  const [state, setState] = useState<MessageSearch>({ status: "idle" });
  useEffect(() => {
    if (!q) {
      setState({ status: "idle" });
      return;
    }
    let live = true;
    setState({ status: "searching" });
    const timer = setTimeout(() => {
      client.searchMessages(q, conversationId).then(
        (results) => live && setState({ status: "done", results }),
        (e: unknown) => live && setState({ status: "failed", error: errorText(e, t) }),
      );
    }, MESSAGE_SEARCH_DEBOUNCE_MS);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [client, q, conversationId, t]);
  return state;
}

/** Opens the result's conversation and brings the message into view (loading the history around it if needed). */
export function showResult(client: ReturnType<typeof useClient>, m: Message) {
  openConversation(m.conversationId);
  void client.showMessage(m.conversationId, m);
}

/**
 * Arrow keys move between the results inside `e.currentTarget` (and back up to the search field);
 * Enter or Space choose one, as on any button.
 */
export function moveBetweenResults(e: KeyboardEvent<HTMLElement>, input?: HTMLInputElement | null) {
  if (e.key !== "ArrowDown" && e.key !== "ArrowUp") return;
  const items = [...e.currentTarget.querySelectorAll<HTMLElement>("[data-result]")];
  const at = items.indexOf(document.activeElement as HTMLElement);
  e.preventDefault();
  if (e.key === "ArrowDown") items[Math.min(at + 1, items.length - 1)]?.focus();
  else if (at <= 0) input?.focus();
  else items[at - 1]?.focus();
}

/** The text with the query's words marked; text nodes only, never HTML. */
export function Highlighted({ text, terms }: { text: string; terms: readonly string[] }) {
  const parts = useMemo(() => highlightMatches(text, terms), [text, terms]);
  return (
    <>
      {parts.map((p, i) =>
        // biome-ignore lint/suspicious/noArrayIndexKey: parts of one immutable string
        p.match ? <mark key={i}>{p.text}</mark> : p.text,
      )}
    </>
  );
}

/** The "Messages" part of a search: status, then one button per result. */
export function MessageResults({
  query,
  conversationId,
  onPick,
}: {
  query: string;
  /** Search one conversation only; its name is then not repeated on every result. */
  conversationId?: string;
  onPick(m: Message): void;
}) {
  const { t } = useI18n();
  const search = useMessageSearch(query, conversationId);
  const terms = useMemo(() => searchTerms(query), [query]);
  return (
    <div className="message-results" data-testid="message-results" data-status={search.status}>
      {search.status === "searching" && (
        <p className="hint" role="status">
          {t("search.searching")}
        </p>
      )}
      {search.status === "failed" && (
        <p className="form-error search-error" role="alert">
          {t("search.failed", { message: search.error })}
        </p>
      )}
      {search.status === "done" && search.results.length === 0 && (
        <p className="hint" role="status">
          {t("search.noMessages")}
        </p>
      )}
      {search.status === "done" && search.results.length > 0 && (
        <ul>
          {search.results.map((m) => (
            <li key={m.id}>
              <MessageResult message={m} terms={terms} showConversation={!conversationId} onPick={onPick} />
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function MessageResult({
  message: m,
  terms,
  showConversation,
  onPick,
}: {
  message: Message;
  terms: readonly string[];
  showConversation: boolean;
  onPick(m: Message): void;
}) {
  const client = useClient();
  const { t, locale } = useI18n();
  const conversation: Conversation | undefined = useStore(client.stores.conversations, (s) => s[m.conversationId]);
  const me = client.me();
  const userOf = usePeople();
  const sender =
    m.senderId === me ? t("search.you") : (userOf(conversation, m.senderId)?.displayName ?? t("search.formerMember"));
  const where = conversation ? conversationTitle(conversation, me) : "…";
  return (
    <button
      type="button"
      className="message-result"
      data-result
      data-testid="message-result"
      data-message-id={m.id}
      onClick={() => onPick(m)}
    >
      <span className="message-result-top">
        <span className="message-result-who">
          {showConversation && <strong className="message-result-where">{where}</strong>}
          {/* A direct conversation is titled with the other person: their name once is enough. */}
          {!(showConversation && sender === where) && (
            <span className={showConversation ? "muted" : undefined}>{sender}</span>
          )}
        </span>
        <time className="muted" dateTime={m.createdAt}>
          {listTime(m.createdAt, locale)}
        </time>
      </span>
      <span className="message-result-body">
        <Highlighted text={matchSnippet(m.body, terms)} terms={terms} />
      </span>
    </button>
  );
}
