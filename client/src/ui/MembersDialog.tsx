import type { Conversation, Member, User } from "@messenger/protocol";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useI18n } from "../i18n";
import { Avatar } from "./Avatar";
import { Dialog } from "./Dialog";
import { conversationTitle, errorText } from "./format";
import { useClient, useStore } from "./hooks";
import { PeoplePicker } from "./PeoplePicker";
import { useUserSearch } from "./search";

type Confirm = { kind: "remove"; user: User } | { kind: "leave" };

/** Admins first, then by name; me first among equals. */
function memberOrder(me: string) {
  return (a: Member, b: Member) =>
    Number(b.role === "admin") - Number(a.role === "admin") ||
    Number(b.user.id === me) - Number(a.user.id === me) ||
    a.user.displayName.localeCompare(b.user.displayName);
}

/**
 * A group's members with presence and role. Admins add people and remove members; anyone leaves.
 * Removing and leaving are confirmed first; what the server refuses is shown in words.
 */
export function MembersDialog({ conversation, onClose }: { conversation: Conversation; onClose(): void }) {
  const client = useClient();
  const { t } = useI18n();
  const me = client.me();
  const title = conversationTitle(conversation, me);
  const isAdmin = conversation.members.some((m) => m.user.id === me && m.role === "admin");
  // Paged from the server (a big group's list carries no members); from the start again when
  // membership changes (the count, or who is admin in a group whose members the client has).
  const pages = useMemo(() => client.memberPages(conversation.id), [client, conversation.id]);
  const paged = useStore(pages.state);
  const membership = `${conversation.memberCount}|${conversation.members.map((m) => m.user.id + m.role).join()}`;
  // biome-ignore lint/correctness/useExhaustiveDependencies: membership is the signal to reload
  useEffect(() => void pages.reload(), [pages, membership]);
  const members = useMemo(() => [...paged.members].sort(memberOrder(me)), [paged.members, me]);
  const presence = useStore(client.stores.presence);
  const [confirm, setConfirm] = useState<Confirm | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [query, setQuery] = useState("");

  // Esc backs out of a confirmation first, then closes. One stable callback, so the dialog keeps its focus.
  const closeRef = useRef<() => void>(onClose);
  closeRef.current = confirm ? () => setConfirm(null) : onClose;
  const close = useCallback(() => closeRef.current(), []);

  const run = async (work: () => Promise<unknown>, failure: (message: string) => string) => {
    setBusy(true);
    setError(null);
    try {
      await work();
    } catch (e) {
      setError(failure(errorText(e, t)));
    } finally {
      setBusy(false);
      setConfirm(null);
    }
  };

  const add = (u: User) =>
    run(
      async () => {
        await client.addMembers(conversation.id, [u.id]);
        setQuery("");
      },
      (message) => t("members.addFailed", { name: u.displayName, message }),
    );

  const confirmed = () => {
    if (!confirm) return;
    if (confirm.kind === "leave")
      // On success the conversation is gone, and this dialog with it.
      return run(
        () => client.leave(conversation.id),
        (message) => t("members.leaveFailed", { message }),
      );
    const { user } = confirm;
    return run(
      () => client.removeMember(conversation.id, user.id),
      (message) => t("members.removeFailed", { name: user.displayName, message }),
    );
  };

  return (
    <Dialog label={t("members.title", { title })} onClose={close} className="members-dialog">
      <h2>{t("members.title", { title })}</h2>
      {confirm ? (
        <ConfirmPanel
          text={
            confirm.kind === "leave"
              ? t("members.leaveConfirm", { title })
              : t("members.removeConfirm", { name: confirm.user.displayName, title })
          }
          action={confirm.kind === "leave" ? t("members.leave") : t("members.remove")}
          busy={busy}
          onCancel={() => setConfirm(null)}
          onConfirm={() => void confirmed()}
        />
      ) : (
        <>
          {isAdmin && (
            <AddPeople
              query={query}
              setQuery={setQuery}
              exclude={paged.members}
              busy={busy}
              onAdd={(u) => void add(u)}
            />
          )}
          <ul className="members-list" aria-label={t("members.title", { title })}>
            {members.map((m) => {
              const online = presence[m.user.id]?.online ?? m.user.online;
              const self = m.user.id === me;
              return (
                <li key={m.user.id} data-testid="member" data-user-id={m.user.id} data-role={m.role}>
                  <Avatar user={m.user} size={32} online={online} />
                  <span className="member-text">
                    <span>
                      <strong>{m.user.displayName}</strong> {self && <span className="muted">{t("members.you")}</span>}
                    </span>
                    <span className="muted">
                      @{m.user.username} · {online ? t("chat.online") : t("members.offline")}
                    </span>
                  </span>
                  {m.role === "admin" && <span className="role-badge">{t("members.admin")}</span>}
                  {isAdmin && !self && (
                    <button
                      type="button"
                      className="link danger-link"
                      aria-label={t("members.removeLabel", { name: m.user.displayName })}
                      disabled={busy}
                      onClick={() => {
                        setError(null);
                        setConfirm({ kind: "remove", user: m.user });
                      }}
                    >
                      {t("members.remove")}
                    </button>
                  )}
                </li>
              );
            })}
          </ul>
          {paged.next && (
            <button
              type="button"
              className="link members-more"
              data-testid="members-more"
              disabled={paged.loading}
              onClick={() => void pages.more()}
            >
              {t("members.more")}
            </button>
          )}
          {paged.error !== null && (
            <p role="alert" className="form-error">
              {t("members.loadFailed", { message: errorText(paged.error, t) })}
            </p>
          )}
        </>
      )}
      {error && (
        <p role="alert" className="form-error">
          {error}
        </p>
      )}
      {!confirm && (
        <div className="dialog-actions members-actions">
          <button type="button" onClick={onClose}>
            {t("members.close")}
          </button>
          <button
            type="button"
            className="leave-button"
            disabled={busy}
            onClick={() => {
              setError(null);
              setConfirm({ kind: "leave" });
            }}
          >
            {t("members.leave")}
          </button>
        </div>
      )}
    </Dialog>
  );
}

function AddPeople({
  query,
  setQuery,
  exclude,
  busy,
  onAdd,
}: {
  query: string;
  setQuery(q: string): void;
  exclude: readonly Member[];
  busy: boolean;
  onAdd(u: User): void;
}) {
  const { t } = useI18n();
  const q = query.trim();
  const users = useUserSearch(q);
  const candidates = q ? (users ?? []).filter((u) => !exclude.some((m) => m.user.id === u.id)).slice(0, 6) : [];
  return (
    <div className="members-add">
      <label>
        {t("members.add")}
        <input
          type="search"
          placeholder={t("members.addSearch")}
          value={query}
          onChange={(e) => setQuery(e.target.value)}
        />
      </label>
      {q && users && candidates.length === 0 && <p className="hint members-hint">{t("members.noOneToAdd")}</p>}
      <PeoplePicker
        people={candidates}
        onPick={onAdd}
        disabled={busy}
        pickLabel={(u) => t("members.addOne", { name: u.displayName })}
        testId="add-member-result"
        pickMark="+"
      />
    </div>
  );
}

function ConfirmPanel({
  text,
  action,
  busy,
  onCancel,
  onConfirm,
}: {
  text: string;
  action: string;
  busy: boolean;
  onCancel(): void;
  onConfirm(): void;
}) {
  const { t } = useI18n();
  const cancel = useRef<HTMLButtonElement>(null);
  // The safe choice has the focus, so Enter never removes anyone by accident.
  useEffect(() => cancel.current?.focus(), []);
  return (
    <div className="members-confirm" data-testid="members-confirm">
      <p>{text}</p>
      <div className="dialog-actions">
        <button ref={cancel} type="button" onClick={onCancel}>
          {t("members.cancel")}
        </button>
        <button type="button" className="danger" disabled={busy} onClick={onConfirm}>
          {action}
        </button>
      </div>
    </div>
  );
}
