// A group's settings: admins rename it, set its topic, archive or unarchive it, and (private groups)
// create, copy and revoke invite links; anyone can leave. Refusals are said in words.
import type { Conversation, Invite } from "@messenger/protocol";
import { useEffect, useState } from "react";
import { useI18n } from "../i18n";
import { myMember } from "../stores/conversations";
import { Dialog } from "./Dialog";
import { errorText, listTime } from "./format";
import { useClient } from "./hooks";

export function ConversationSettings({ conversation: c, onClose }: { conversation: Conversation; onClose(): void }) {
  const client = useClient();
  const { t, locale } = useI18n();
  const admin = myMember(c, client.me())?.role === "admin";
  const [title, setTitle] = useState(c.title ?? "");
  const [topic, setTopic] = useState(c.topic ?? "");
  const [status, setStatus] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [confirmArchive, setConfirmArchive] = useState(false);
  const [invites, setInvites] = useState<Invite[]>([]);
  const [copied, setCopied] = useState<string | null>(null);
  const failed = (e: unknown) => setError(t("convSettings.failed", { message: errorText(e, t) }));

  useEffect(() => {
    if (!admin || c.visibility !== "private") return;
    let live = true;
    client.invites(c.id).then(
      (list) => live && setInvites(list),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [client, c.id, admin, c.visibility]);

  const save = async () => {
    setError(null);
    setStatus(null);
    const body: { title?: string; topic?: string | null } = {};
    if (title.trim() && title.trim() !== c.title) body.title = title.trim();
    if ((topic.trim() || null) !== c.topic) body.topic = topic.trim() || null;
    if (Object.keys(body).length === 0) return;
    try {
      await client.updateConversation(c.id, body);
      setStatus(t("convSettings.saved"));
    } catch (e) {
      failed(e);
    }
  };

  const archive = async (archived: boolean) => {
    setConfirmArchive(false);
    try {
      await client.updateConversation(c.id, { archived });
    } catch (e) {
      failed(e);
    }
  };

  const inviteUrl = (i: Invite) => new URL(i.url, location.origin).href;
  const copy = async (i: Invite) => {
    try {
      await navigator.clipboard.writeText(inviteUrl(i));
      setCopied(i.code);
    } catch (e) {
      failed(e);
    }
  };

  return (
    <Dialog label={t("convSettings.title", { title: c.title ?? "" })} onClose={onClose} className="settings-dialog">
      <h2>{t("convSettings.title", { title: c.title ?? "" })}</h2>
      {admin && !c.archived && (
        <form
          className="group-form"
          onSubmit={(e) => {
            e.preventDefault();
            void save();
          }}
        >
          <label>
            {t("convSettings.name")}
            <input value={title} required maxLength={100} onChange={(e) => setTitle(e.target.value)} />
          </label>
          <label>
            {t("convSettings.topic")}
            <input value={topic} maxLength={250} onChange={(e) => setTopic(e.target.value)} />
          </label>
          <div className="dialog-actions">
            {status && <span role="status">{status}</span>}
            <button type="submit" className="primary">
              {t("convSettings.save")}
            </button>
          </div>
        </form>
      )}
      {admin && c.visibility === "private" && !c.archived && (
        <section aria-label={t("convSettings.invite")}>
          <h3>{t("convSettings.invite")}</h3>
          <p className="hint">{t("convSettings.inviteHint")}</p>
          <ul className="channel-list">
            {invites.map((i) => (
              <li key={i.code} className="channel-row" data-testid="invite">
                <span className="channel-text">
                  <code>{inviteUrl(i)}</code>
                  <span className="channel-topic">
                    {t("convSettings.inviteExpires", { time: listTime(i.expiresAt, locale) })}
                  </span>
                </span>
                <button type="button" onClick={() => void copy(i)}>
                  {copied === i.code ? t("convSettings.copied") : t("convSettings.copy")}
                </button>
                <button
                  type="button"
                  className="danger"
                  onClick={() =>
                    void client
                      .revokeInvite(c.id, i.code)
                      .then(() => setInvites((l) => l.filter((x) => x.code !== i.code)), failed)
                  }
                >
                  {t("convSettings.revoke")}
                </button>
              </li>
            ))}
          </ul>
          <button
            type="button"
            onClick={() => void client.createInvite(c.id).then((i) => setInvites((l) => [i, ...l]), failed)}
          >
            {t("convSettings.createInvite")}
          </button>
        </section>
      )}
      {error && (
        <p role="alert" className="form-error">
          {error}
        </p>
      )}
      {confirmArchive && (
        <div className="members-confirm" data-testid="settings-confirm">
          <p>{t("convSettings.archiveConfirm", { title: c.title ?? "" })}</p>
          <div className="dialog-actions">
            <button type="button" onClick={() => setConfirmArchive(false)}>
              {t("members.cancel")}
            </button>
            <button type="button" className="danger" onClick={() => void archive(true)}>
              {t("convSettings.archive")}
            </button>
          </div>
        </div>
      )}
      <div className="dialog-actions">
        {admin &&
          (c.archived ? (
            <button type="button" onClick={() => void archive(false)}>
              {t("convSettings.unarchive")}
            </button>
          ) : (
            <button type="button" onClick={() => setConfirmArchive(true)}>
              {t("convSettings.archive")}
            </button>
          ))}
        <button type="button" onClick={onClose}>
          {t("members.close")}
        </button>
      </div>
    </Dialog>
  );
}
