// A message's attachments, in the order the sender chose: image thumbnails and videos that open the
// conversation's gallery (MediaGallery), videos still processing or failed, audio and plain files.
// Photos and videos that failed to load reload by themselves when the connection is back.
import type { Attachment } from "@messenger/protocol";
import { useState } from "react";
import { useI18n } from "../i18n";
import { DocumentAttachment, hasDocumentPreview } from "./DocumentPreview";
import { formatBytes } from "./format";
import { Icon } from "./Icon";
import { MediaGallery } from "./MediaGallery";
import { useReloadOnReconnect } from "./media-retry";

export function MessageAttachments({ items }: { items: Attachment[] }) {
  return (
    <div className="attachments">
      {items.map((a) => (
        <AttachmentView key={a.id} a={a} />
      ))}
    </div>
  );
}

function AttachmentView({ a }: { a: Attachment }) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  const { attempt, failed } = useReloadOnReconnect();
  const gallery = open && <MediaGallery start={a} onClose={() => setOpen(false)} />;
  const ratio = a.width && a.height ? `${a.width} / ${a.height}` : undefined;
  if (a.kind === "image") {
    return (
      <>
        <button
          type="button"
          className="image-thumb"
          aria-label={t("media.open", { name: a.name })}
          onClick={() => setOpen(true)}
        >
          <img
            key={attempt}
            onError={failed}
            src={a.thumbnailUrl ?? a.url}
            alt={a.name}
            loading="lazy"
            decoding="async"
            style={{ aspectRatio: ratio }}
            data-testid="image-thumbnail"
          />
        </button>
        {gallery}
      </>
    );
  }
  if (a.kind === "video") {
    if (a.status === "processing")
      return (
        <div className="video-processing" data-testid="video-processing" style={{ aspectRatio: ratio ?? "16 / 9" }}>
          <span className="spinner" aria-hidden="true" /> {t("media.processing")}
        </div>
      );
    if (a.status === "failed") return <div className="video-failed">{t("media.failed")}</div>;
    return (
      <div className="video-wrap">
        {/* biome-ignore lint/a11y/useMediaCaption: user-shared clips carry no caption track */}
        <video
          key={attempt}
          onError={failed}
          className="video"
          controls
          preload="metadata"
          poster={a.thumbnailUrl}
          src={a.url}
          style={{ aspectRatio: ratio }}
          data-testid="video"
        />
        <button
          type="button"
          className="icon-button video-expand"
          aria-label={t("media.open", { name: a.name })}
          title={t("media.open", { name: a.name })}
          onClick={() => setOpen(true)}
        >
          <Icon name="plus" size={16} />
        </button>
        {gallery}
      </div>
    );
  }
  if (a.kind === "audio") {
    // biome-ignore lint/a11y/useMediaCaption: user-shared audio carries no caption track
    return <audio controls preload="none" src={a.url} />;
  }
  if (hasDocumentPreview(a)) return <DocumentAttachment a={a} />;
  return (
    <a className="file" href={a.url} download={a.name} data-testid="file-attachment">
      📎 {a.name} <span className="muted">{formatBytes(a.size)}</span>
    </a>
  );
}
