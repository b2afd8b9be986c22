// Documents in a message: a PDF shows its first page (the thumbnail media-service rendered) and opens
// in an in-app viewer (pdf.js, loaded only when opened); a text file shows its first lines.
import type { Attachment } from "@messenger/protocol";
import { useEffect, useRef, useState } from "react";
import { useI18n } from "../i18n";
import { Dialog } from "./Dialog";
import { formatBytes } from "./format";

const TEXT_PREVIEW_BYTES = 2048;
const TEXT_PREVIEW_LINES = 6;

/** Whether DocumentAttachment has a preview for this file. */
export const hasDocumentPreview = (a: Attachment) =>
  a.kind === "file" && ((a.mime === "application/pdf" && !!a.thumbnailUrl) || a.mime.startsWith("text/"));

export function DocumentAttachment({ a }: { a: Attachment }) {
  return a.mime === "application/pdf" ? <PdfCard a={a} /> : <TextCard a={a} />;
}

function PdfCard({ a }: { a: Attachment }) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  const ratio = a.width && a.height ? `${a.width} / ${a.height}` : undefined;
  return (
    <>
      <button
        type="button"
        className="document-card"
        aria-label={t("doc.open", { name: a.name })}
        data-testid="pdf-attachment"
        onClick={() => setOpen(true)}
      >
        <img src={a.thumbnailUrl} alt="" loading="lazy" style={{ aspectRatio: ratio }} data-testid="pdf-thumbnail" />
        <span>
          📄 {a.name} <span className="muted">{formatBytes(a.size)}</span>
        </span>
      </button>
      {open && (
        <Dialog label={a.name} onClose={() => setOpen(false)} className="viewer pdf-viewer">
          <PdfViewer a={a} />
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

type PdfTask = ReturnType<typeof import("pdfjs-dist")["getDocument"]>;
type PdfDoc = Awaited<PdfTask["promise"]>;

async function openPdf(url: string): Promise<PdfTask> {
  const [pdfjs, worker] = await Promise.all([import("pdfjs-dist"), import("pdfjs-dist/build/pdf.worker.min.mjs?url")]);
  pdfjs.GlobalWorkerOptions.workerSrc = worker.default;
  // A member-only, cookie-authenticated URL of our own origin; forms and scripts in PDFs stay off.
  return pdfjs.getDocument({ url, enableXfa: false });
}

function PdfViewer({ a }: { a: Attachment }) {
  const { t } = useI18n();
  const [doc, setDoc] = useState<PdfDoc | null>(null);
  const [failed, setFailed] = useState(false);
  const [page, setPage] = useState(1);
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    let live = true;
    let task: PdfTask | undefined;
    openPdf(a.url)
      .then((t) => {
        task = t;
        if (!live) void t.destroy();
        return t.promise;
      })
      .then(
        (d) => live && setDoc(d),
        () => live && setFailed(true),
      );
    return () => {
      live = false;
      void task?.destroy();
    };
  }, [a.url]);
  useEffect(() => {
    if (!doc || !canvas.current) return;
    let task: { cancel(): void; promise: Promise<void> } | undefined;
    let live = true;
    void doc.getPage(page).then(
      (p) => {
        if (!live || !canvas.current) return;
        const viewport = p.getViewport({ scale: Math.min(2, 860 / p.getViewport({ scale: 1 }).width) });
        const c = canvas.current;
        c.width = Math.floor(viewport.width);
        c.height = Math.floor(viewport.height);
        task = p.render({ canvas: c, canvasContext: c.getContext("2d")!, viewport });
        task.promise.catch(() => undefined);
      },
      () => live && setFailed(true),
    );
    return () => {
      live = false;
      task?.cancel();
    };
  }, [doc, page]);
  if (failed) return <p className="form-error">{t("doc.failed")}</p>;
  return (
    <div className="pdf-viewer-body" data-testid="pdf-viewer" data-pages={doc?.numPages ?? 0}>
      {!doc && <p className="hint">{t("doc.loading")}</p>}
      <div className="pdf-viewer-pages">
        <canvas ref={canvas} data-testid="pdf-canvas" />
      </div>
      {doc && doc.numPages > 1 && (
        <div className="dialog-actions">
          <button type="button" disabled={page <= 1} onClick={() => setPage(page - 1)} aria-label={t("doc.previous")}>
            ‹
          </button>
          <span>{t("doc.page", { page, pages: doc.numPages })}</span>
          <button
            type="button"
            disabled={page >= doc.numPages}
            onClick={() => setPage(page + 1)}
            aria-label={t("doc.next")}
          >
            ›
          </button>
        </div>
      )}
    </div>
  );
}

/** A text file: its first lines (the first 2 KB, asked for with a Range request), then the download link. */
function TextCard({ a }: { a: Attachment }) {
  const { t } = useI18n();
  const [lines, setLines] = useState<string[] | null>(null);
  useEffect(() => {
    const abort = new AbortController();
    fetch(a.url, { headers: { range: `bytes=0-${TEXT_PREVIEW_BYTES - 1}` }, signal: abort.signal })
      .then((r) => (r.ok ? r.text() : Promise.reject(new Error(String(r.status)))))
      .then(
        (text) => setLines(text.split(/\r?\n/).slice(0, TEXT_PREVIEW_LINES)),
        () => undefined,
      );
    return () => abort.abort();
  }, [a.url]);
  const more = lines !== null && (a.size > TEXT_PREVIEW_BYTES || lines.length === TEXT_PREVIEW_LINES);
  return (
    <div className="text-attachment">
      {lines && (
        <pre className="text-preview" data-testid="text-preview">
          {lines.join("\n")}
          {more ? `\n${t("doc.moreLines")}` : ""}
        </pre>
      )}
      <a className="file" href={a.url} download={a.name} data-testid="file-attachment">
        📎 {a.name} <span className="muted">{formatBytes(a.size)}</span>
      </a>
    </div>
  );
}
