// The full-screen viewer for a conversation's photos and videos: next/previous (buttons and arrow
// keys) across every loaded message of the conversation, and "download original" for photos.
import type { Attachment } from "@messenger/protocol";
import { useEffect, useMemo, useState } from "react";
import { useI18n } from "../i18n";
import { Dialog } from "./Dialog";
import { useClient, useStore } from "./hooks";
import { Icon } from "./Icon";
import { useReloadOnReconnect } from "./media-retry";

const isViewable = (a: Attachment) => a.kind === "image" || (a.kind === "video" && a.status === "ready");

/** The conversation's viewable media, oldest first, each message's in the order its sender chose. */
export function galleryItems(messages: readonly { deletedAt?: string | null; attachments: Attachment[] }[]) {
  return messages.flatMap((m) => (m.deletedAt ? [] : m.attachments.filter(isViewable)));
}

export function MediaGallery({ start, onClose }: { start: Attachment; onClose(): void }) {
  const client = useClient();
  const { t } = useI18n();
  const messages = useStore(client.stores.messages, (s) => s[start.conversationId]?.messages);
  const items = useMemo(() => {
    const all = galleryItems(messages ?? []);
    return all.some((a) => a.id === start.id) ? all : [start];
  }, [messages, start]);
  const [currentId, setCurrentId] = useState(start.id);
  const index = Math.max(
    0,
    items.findIndex((a) => a.id === currentId),
  );
  const current = items[index] ?? start;
  const go = (step: number) => {
    const next = items[index + step];
    if (next) setCurrentId(next.id);
  };

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "ArrowRight") go(1);
      else if (e.key === "ArrowLeft") go(-1);
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  });

  return (
    <Dialog label={current.name} onClose={onClose} className="viewer gallery">
      <div className="gallery-stage">
        <button
          type="button"
          className="icon-button gallery-prev"
          aria-label={t("media.previous")}
          title={t("media.previous")}
          disabled={index === 0}
          onClick={() => go(-1)}
        >
          <Icon name="back" size={28} />
        </button>
        <GalleryMedia key={current.id} a={current} />
        <button
          type="button"
          className="icon-button gallery-next"
          aria-label={t("media.next")}
          title={t("media.next")}
          disabled={index >= items.length - 1}
          onClick={() => go(1)}
        >
          <Icon name="next" size={28} />
        </button>
      </div>
      <div className="dialog-actions">
        <span className="gallery-position" data-testid="gallery-position">
          {t("media.position", { n: index + 1, total: items.length })} · {current.name}
        </span>
        <a href={current.originalUrl ?? current.url} download={current.name} data-testid="download-original">
          <Icon name="download" size={16} />{" "}
          {current.kind === "image" ? t("media.downloadOriginal") : t("media.download")}
        </a>
        <button type="button" onClick={onClose}>
          {t("media.close")}
        </button>
      </div>
    </Dialog>
  );
}

function GalleryMedia({ a }: { a: Attachment }) {
  const { attempt, failed } = useReloadOnReconnect();
  if (a.kind === "video")
    return (
      // biome-ignore lint/a11y/useMediaCaption: user-shared clips carry no caption track
      <video
        key={attempt}
        controls
        autoPlay
        poster={a.thumbnailUrl}
        src={a.url}
        onError={failed}
        data-testid="video-full"
      />
    );
  return <img key={attempt} src={a.url} alt={a.name} onError={failed} data-testid="image-full" />;
}
