// The conversation list in sections — channels (groups) and direct messages — with the ways in:
// "Mentions", "Browse channels" and "New channel"; and the public/private and topic fields of a new channel.
import type { Conversation, Visibility } from "@messenger/protocol";
import { type ReactNode, useState } from "react";
import { useI18n } from "../i18n";
import { BrowseChannelsDialog } from "./BrowseChannelsDialog";
import { Icon } from "./Icon";
import { MentionsDialog } from "./MentionsDialog";
import { SavedButton } from "./PinsPanel";
import "./channels.css";

export function ListSections({
  list,
  onNewChannel,
  renderItem,
}: {
  list: readonly Conversation[];
  onNewChannel(): void;
  renderItem(c: Conversation): ReactNode;
}) {
  const { t } = useI18n();
  const [browsing, setBrowsing] = useState(false);
  const [mentions, setMentions] = useState(false);
  const channels = list.filter((c) => c.kind === "group");
  const directs = list.filter((c) => c.kind === "direct");
  return (
    <>
      <div className="list-links">
        <button type="button" className="list-link" data-testid="open-mentions" onClick={() => setMentions(true)}>
          <span aria-hidden="true">@</span> {t("list.mentions")}
        </button>
        <SavedButton />
      </div>
      <section className="list-section" aria-label={t("list.channels")} data-testid="channels-section">
        <h3 className="section-heading">
          <span>{t("list.channels")}</span>
          <button
            type="button"
            className="icon-button small"
            aria-label={t("list.browse")}
            title={t("list.browse")}
            onClick={() => setBrowsing(true)}
          >
            <Icon name="search" size={15} />
          </button>
          <button
            type="button"
            className="icon-button small"
            aria-label={t("list.newChannel")}
            title={t("list.newChannel")}
            onClick={onNewChannel}
          >
            <Icon name="plus" size={15} />
          </button>
        </h3>
        <ul>{channels.map(renderItem)}</ul>
      </section>
      <section className="list-section" aria-label={t("list.directs")} data-testid="directs-section">
        <h3 className="section-heading">
          <span>{t("list.directs")}</span>
        </h3>
        <ul>{directs.map(renderItem)}</ul>
      </section>
      {browsing && <BrowseChannelsDialog onClose={() => setBrowsing(false)} />}
      {mentions && <MentionsDialog onClose={() => setMentions(false)} />}
    </>
  );
}

export function useChannelFields() {
  const [visibility, setVisibility] = useState<Visibility>("private");
  const [topic, setTopic] = useState("");
  return { visibility, setVisibility, topic, setTopic, value: { visibility, topic: topic.trim() || null } };
}

/** Public or private, and a topic: for a new channel. */
export function ChannelFields({ fields }: { fields: ReturnType<typeof useChannelFields> }) {
  const { t } = useI18n();
  return (
    <>
      <label>
        {t("channel.topic")}
        <input value={fields.topic} maxLength={250} onChange={(e) => fields.setTopic(e.target.value)} />
      </label>
      <fieldset className="visibility-choice">
        <legend>{t("channel.visibility")}</legend>
        {(["private", "public"] as const).map((v) => (
          <label key={v} className="radio">
            <input
              type="radio"
              name="visibility"
              value={v}
              checked={fields.visibility === v}
              onChange={() => fields.setVisibility(v)}
            />
            {t(v === "public" ? "channel.public" : "channel.private")}
          </label>
        ))}
      </fieldset>
    </>
  );
}
