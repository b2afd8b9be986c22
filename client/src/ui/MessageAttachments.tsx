// A message's attachments: image thumbnails with the full-size viewer, videos (processing, failed or
// playable with a poster), audio and plain files.
import type { Attachment } from "@messenger/protocol";
import { useState } from "react";
import { useI18n } from "../i18n";
import { Dialog } from "./Dialog";
import { DocumentAttachment, hasDocumentPreview } from "./DocumentPreview";
import { formatBytes } from "./format";

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
            src={a.thumbnailUrl ?? a.url}
            alt={a.name}
            loading="lazy"
            decoding="async"
            style={{ aspectRatio: ratio }}
            data-testid="image-thumbnail"
          />
        </button>
        {open && (
          <Dialog label={a.name} onClose={() => setOpen(false)} className="viewer">
            <img src={a.url} alt={a.name} data-testid="image-full" />
            <div className="dialog-actions">
              <a href={a.url} download={a.name}>
                {t("media.download")}
              </a>
              <button type="button" onClick={() => setOpen(false)}>
                {t("media.close")}
              </button>
            </div>
          </Dialog>
        )}
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
      // biome-ignore lint/a11y/useMediaCaption: user-shared clips carry no caption track
      <video
        className="video"
        controls
        preload="metadata"
        poster={a.thumbnailUrl}
        src={a.url}
        style={{ aspectRatio: ratio }}
        data-testid="video"
      />
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
