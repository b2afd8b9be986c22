import type { Conversation, User } from "@messenger/protocol";
import { useMemo, useRef, useState } from "react";
import { LANGS, type Lang, useI18n } from "../i18n";
import { NotificationsMenu } from "../pwa/NotificationsMenu";
import { sortedConversations } from "../stores/conversations";
import { Avatar, GroupAvatar } from "./Avatar";
import { Dialog } from "./Dialog";
import { conversationTitle, listTime, otherMember, previewText } from "./format";
import { useAuth, useClient, useStore } from "./hooks";
import { Icon } from "./Icon";
import { openConversation, openPage } from "./navigation";
import { PeoplePicker } from "./PeoplePicker";
import { MessageResults, moveBetweenResults, showResult, useUserSearch } from "./search";
import { ChannelFields, ListSections, useChannelFields } from "./sidebar-sections";

export function Sidebar() {
  const client = useClient();
  const { t } = useI18n();
  const state = useStore(client.stores.conversations);
  const list = useMemo(() => sortedConversations(state), [state]);
  const loaded = useStore(client.stores.listLoaded);
  const [query, setQuery] = useState("");
  const [creating, setCreating] = useState(false);
  const searchRef = useRef<HTMLInputElement>(null);
  const resultsRef = useRef<HTMLElement>(null);

  return (
    <aside className="sidebar" aria-label={t("list.title")}>
      <SidebarHeader />
      <ConnectionBanner />
      <div className="sidebar-tools">
        <input
          ref={searchRef}
          type="search"
          className="search"
          placeholder={t("list.search")}
          aria-label={t("list.searchLabel")}
          aria-controls="sidebar-search-results"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === "Escape") setQuery("");
            if (e.key === "ArrowDown") {
              e.preventDefault();
              resultsRef.current?.querySelector<HTMLElement>("[data-result]")?.focus();
            }
          }}
        />
        <button
          type="button"
          className="icon-button"
          aria-label={t("list.newGroup")}
          title={t("list.newGroup")}
          onClick={() => setCreating(true)}
        >
          <Icon name="plus" />
        </button>
      </div>
      {query.trim() ? (
        <section
          ref={resultsRef}
          id="sidebar-search-results"
          className="search-results"
          aria-label={t("search.results")}
          onKeyDown={(e) => {
            if (e.key === "Escape") searchRef.current?.focus();
            moveBetweenResults(e, searchRef.current);
          }}
        >
          <PeopleResults
            query={query.trim()}
            onPick={async (u) => {
              const c = await client.startDirect(u.id);
              setQuery("");
              openConversation(c.id);
            }}
          />
          <h3 className="results-heading">{t("search.messages")}</h3>
          <MessageResults query={query} onPick={(m) => showResult(client, m)} />
        </section>
      ) : (
        <nav className="conversation-list" aria-label={t("list.title")}>
          {loaded && list.length === 0 && <p className="hint">{t("list.empty")}</p>}
          <ListSections
            list={list}
            onNewChannel={() => setCreating(true)}
            renderItem={(c) => <ConversationItem key={c.id} conversation={c} />}
          />
        </nav>
      )}
      {creating && <NewGroupDialog onClose={() => setCreating(false)} />}
    </aside>
  );
}

function SidebarHeader() {
  const auth = useAuth();
  const { t, lang, setLang } = useI18n();
  const me = useStore(auth.session, (s) => s?.user);
  if (!me) return null;
  return (
    <header className="sidebar-header">
      <button
        type="button"
        className="me-button"
        data-testid="open-settings"
        aria-label={t("settings.title")}
        title={t("settings.title")}
        onClick={() => openPage("settings")}
      >
        <Avatar user={me} size={32} />
        <span className="me">
          <strong data-testid="me-name">{me.displayName}</strong>
          <span className="muted">{me.status ? `${me.status.emoji} ${me.status.text}` : `@${me.username}`}</span>
        </span>
      </button>
      {(me.role === "owner" || me.role === "admin") && (
        <button type="button" className="link" data-testid="open-admin" onClick={() => openPage("admin")}>
          {t("admin.title")}
        </button>
      )}
      <select aria-label={t("menu.language")} value={lang} onChange={(e) => setLang(e.target.value as Lang)}>
        {Object.entries(LANGS).map(([k, v]) => (
          <option key={k} value={k}>
            {v}
          </option>
        ))}
      </select>
      <NotificationsMenu />
      <button
        type="button"
        className="icon-button"
        aria-label={t("menu.signOut")}
        title={t("menu.signOut")}
        onClick={() => void auth.logout()}
      >
        <Icon name="signOut" />
      </button>
    </header>
  );
}

export function ConnectionBanner() {
  const client = useClient();
  const { t } = useI18n();
  const state = useStore(client.stores.connection);
  return (
    <div
      className={`connection connection-${state}`}
      data-testid="connection-state"
      data-state={state}
      role="status"
      aria-live="polite"
    >
      <span className="connection-dot" aria-hidden="true" />
      {t(`conn.${state}`)}
    </div>
  );
}

function ConversationItem({ conversation: c }: { conversation: Conversation }) {
  const client = useClient();
  const { t, locale } = useI18n();
  const me = client.me();
  const active = useStore(client.stores.active) === c.id;
  const other = c.kind === "direct" ? otherMember(c, me) : undefined;
  const online = useStore(client.stores.presence, (s) => (other ? (s[other.id]?.online ?? other.online) : undefined));
  const title = conversationTitle(c, me);
  const last = c.lastMessage;
  return (
    <li>
      <a
        href={`#/c/${c.id}`}
        className={`conversation-item${active ? " active" : ""}${c.unreadCount ? " unread" : ""}${c.notifications?.muted ? " muted-conversation" : ""}`}
        aria-current={active ? "page" : undefined}
        data-testid="conversation-item"
        data-conversation-id={c.id}
        aria-label={`${title}${c.unreadCount ? `, ${t("list.unread", { count: c.unreadCount })}` : ""}${c.mentionCount ? `, ${t("list.mentionCount", { count: c.mentionCount })}` : ""}${c.notifications?.muted ? `, ${t("list.muted")}` : ""}${online !== undefined ? `, ${online ? t("list.online") : t("list.offline")}` : ""}`}
      >
        {other ? <Avatar user={other} online={online} /> : <GroupAvatar title={title} id={c.id} />}
        <span className="conversation-text">
          <span className="conversation-top">
            <span className="conversation-title">{title}</span>
            <time className="muted">{listTime(c.lastActivityAt, locale)}</time>
          </span>
          <span className="conversation-bottom">
            <span className="preview" data-testid="conversation-preview">
              {last ? `${last.senderId === me ? t("list.you") : ""}${previewText(last, t)}` : ""}
            </span>
            {c.mentionCount > 0 && (
              <span className="badge mention-badge" data-testid="mention-badge" title={t("mention.badge")}>
                @{c.mentionCount > 1 ? c.mentionCount : ""}
              </span>
            )}
            {c.unreadCount > 0 && (
              <span className="badge" data-testid="unread-badge">
                {c.unreadCount > 99 ? "99+" : c.unreadCount}
              </span>
            )}
          </span>
        </span>
      </a>
    </li>
  );
}

function PeopleResults({ query, onPick }: { query: string; onPick(u: User): void }) {
  const { t } = useI18n();
  const users = useUserSearch(query);
  return (
    <div className="people-results">
      <h3 className="results-heading">{t("search.people")}</h3>
      {users?.length === 0 && <p className="hint">{t("list.noResults")}</p>}
      <ul>
        {users?.map((u) => (
          <li key={u.id}>
            <button type="button" className="person" data-result data-testid="person-result" onClick={() => onPick(u)}>
              <Avatar user={u} online={u.online} />
              <span>
                <strong>{u.displayName}</strong> <span className="muted">@{u.username}</span>
              </span>
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}

function NewGroupDialog({ onClose }: { onClose(): void }) {
  const client = useClient();
  const { t } = useI18n();
  const [title, setTitle] = useState("");
  const [query, setQuery] = useState("");
  const [picked, setPicked] = useState<User[]>([]);
  const [error, setError] = useState<string | null>(null);
  const users = useUserSearch(query.trim());
  const channel = useChannelFields();
  return (
    <Dialog label={t("group.title")} onClose={onClose}>
      <form
        className="group-form"
        onSubmit={async (e) => {
          e.preventDefault();
          if (!title.trim()) return;
          try {
            const c = await client.createGroup(
              title.trim(),
              picked.map((u) => u.id),
              channel.value,
            );
            onClose();
            openConversation(c.id);
          } catch (err) {
            setError(t("error.generic", { message: (err as Error).message }));
          }
        }}
      >
        <h2>{t("group.title")}</h2>
        <label>
          {t("group.name")}
          <input value={title} required maxLength={100} onChange={(e) => setTitle(e.target.value)} />
        </label>
        <ChannelFields fields={channel} />
        <label>
          {t("group.members")}
          <input type="search" value={query} onChange={(e) => setQuery(e.target.value)} />
        </label>
        {picked.length > 0 && (
          <ul className="chips">
            {picked.map((u) => (
              <li key={u.id}>
                <button
                  type="button"
                  className="chip"
                  aria-pressed="true"
                  onClick={() => setPicked(picked.filter((p) => p.id !== u.id))}
                >
                  {u.displayName} ✕
                </button>
              </li>
            ))}
          </ul>
        )}
        <PeoplePicker
          people={(users ?? []).filter((u) => !picked.some((p) => p.id === u.id)).slice(0, 8)}
          onPick={(u) => setPicked([...picked, u])}
        />
        {error && (
          <p role="alert" className="form-error">
            {error}
          </p>
        )}
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>
            {t("group.cancel")}
          </button>
          <button type="submit" className="primary" disabled={!title.trim()}>
            {t("group.create")}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
