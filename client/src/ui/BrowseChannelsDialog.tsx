// "Browse channels": the public groups of the workspace, searched by title or topic (debounced), a
// page at a time; Join (then it opens) or Open for those I am in. Private groups never show here.
import type { Channel } from "@messenger/protocol";
import { useEffect, useState } from "react";
import { useI18n } from "../i18n";
import { Dialog } from "./Dialog";
import { errorText, membersCountText } from "./format";
import { useClient } from "./hooks";
import { openConversation } from "./navigation";

const DEBOUNCE_MS = 200;

export function BrowseChannelsDialog({ onClose }: { onClose(): void }) {
  const client = useClient();
  const { t } = useI18n();
  const [query, setQuery] = useState("");
  const [channels, setChannels] = useState<Channel[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [joining, setJoining] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    const timer = setTimeout(() => {
      client.browseChannels(query.trim()).then(
        (page) => {
          if (!live) return;
          setChannels(page.channels);
          setNext(page.nextCursor);
          setError(null);
        },
        (e: unknown) => live && setError(t("browse.failed", { message: errorText(e, t) })),
      );
    }, DEBOUNCE_MS);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [client, query, t]);

  const more = async () => {
    if (!next) return;
    try {
      const page = await client.browseChannels(query.trim(), next);
      setChannels((c) => [...(c ?? []), ...page.channels]);
      setNext(page.nextCursor);
    } catch (e) {
      setError(t("browse.failed", { message: errorText(e, t) }));
    }
  };

  const join = async (c: Channel) => {
    setJoining(c.id);
    try {
      await client.joinChannel(c.id);
      onClose();
      openConversation(c.id);
    } catch (e) {
      setError(t("browse.joinFailed", { title: c.title, message: errorText(e, t) }));
    } finally {
      setJoining(null);
    }
  };

  return (
    <Dialog label={t("browse.title")} onClose={onClose} className="browse-dialog">
      <h2>{t("browse.title")}</h2>
      <input
        type="search"
        className="search"
        aria-label={t("browse.search")}
        placeholder={t("browse.search")}
        value={query}
        onChange={(e) => setQuery(e.target.value)}
      />
      {error && (
        <p role="alert" className="form-error">
          {error}
        </p>
      )}
      {channels?.length === 0 && <p className="hint">{t("browse.none")}</p>}
      <ul className="channel-list">
        {channels?.map((c) => (
          <li key={c.id} className="channel-row" data-testid="channel-row">
            <span className="channel-text">
              <strong># {c.title}</strong>
              <span className="channel-topic">
                {membersCountText(c.memberCount, t)}
                {c.topic ? ` · ${c.topic}` : ""}
              </span>
            </span>
            {c.joined ? (
              <button
                type="button"
                onClick={() => {
                  onClose();
                  openConversation(c.id);
                }}
              >
                {t("browse.open")}
              </button>
            ) : (
              <button
                type="button"
                className="primary"
                aria-label={t("browse.joinLabel", { title: c.title })}
                disabled={joining === c.id}
                onClick={() => void join(c)}
              >
                {t("browse.join")}
              </button>
            )}
          </li>
        ))}
      </ul>
      <div className="dialog-actions">
        {next && (
          <button type="button" onClick={() => void more()}>
            {t("browse.more")}
          </button>
        )}
        <button type="button" onClick={onClose}>
          {t("members.close")}
        </button>
      </div>
    </Dialog>
  );
}
