import type { Conversation } from "@messenger/protocol";
import { type ClipboardEvent, type KeyboardEvent, useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import { useI18n } from "../i18n";
import { type ComposerMode, isOverLimit, lastEditable } from "./composer-mode";
import { EmojiPicker } from "./EmojiPicker";
import { formatBytes, uploadErrorText } from "./format";
import { useClient, useStore } from "./hooks";
import { Icon } from "./Icon";
import { LengthCounter } from "./LengthCounter";
import { useMentionAutocomplete } from "./MentionAutocomplete";
import { plainText } from "./markdown/markdown";
import { usePeople } from "./people";

export function Composer({
  conversation,
  mode,
  setMode,
}: {
  conversation: Conversation;
  mode: ComposerMode;
  setMode(m: ComposerMode): void;
}) {
  const client = useClient();
  const { t } = useI18n();
  const cid = conversation.id;
  const [text, setText] = useState("");
  const area = useRef<HTMLTextAreaElement>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const emojiButton = useRef<HTMLButtonElement>(null);
  const [emojiOpen, setEmojiOpen] = useState(false);
  const uploadsState = useStore(client.stores.uploads);
  const uploads = useMemo(
    () => Object.values(uploadsState).filter((u) => u.conversationId === cid),
    [uploadsState, cid],
  );
  const ready = uploads.filter((u) => u.status === "done" && u.attachment);
  const mention = useMentionAutocomplete(conversation, area, text, setText);

  // Entering edit mode puts the message's text in the box; leaving it clears the box.
  useEffect(() => {
    if (mode.kind === "edit") setText(mode.message.body);
    area.current?.focus();
  }, [mode]);

  // Grow with the text, up to a limit set in CSS.
  // biome-ignore lint/correctness/useExhaustiveDependencies: re-measure whenever the text changes
  useLayoutEffect(() => {
    const el = area.current;
    if (!el) return;
    el.style.height = "auto";
    el.style.height = `${el.scrollHeight}px`;
  }, [text]);

  const submit = () => {
    // Over the limit nothing is sent and nothing is cut: the counter says by how much.
    if (!canSend) return;
    if (mode.kind === "edit") {
      const body = text.trim();
      if (body && body !== mode.message.body) void client.edit(mode.message.id, body).catch(() => undefined);
      client.stopTyping(cid);
      setMode({ kind: "new" });
      setText("");
      return;
    }
    const attachments = ready.map((u) => u.attachment!);
    const sent = client.send(cid, text, { replyToId: mode.kind === "reply" ? mode.message.id : null, attachments });
    if (!sent) return;
    client.stores.uploads.clearDone(cid);
    setText("");
    if (mode.kind === "reply") setMode({ kind: "new" });
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (mention.onKeyDown(e)) return;
    if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      submit();
    } else if (e.key === "ArrowUp" && text === "" && mode.kind === "new" && !e.shiftKey) {
      const mine = lastEditable(client.stores.messages.get()[cid]?.messages ?? [], client.me());
      if (mine) {
        e.preventDefault();
        setMode({ kind: "edit", message: mine });
      }
    } else if (e.key === "Escape" && mode.kind !== "new") {
      e.preventDefault();
      setMode({ kind: "new" });
      if (mode.kind === "edit") setText("");
    }
  };

  const onPaste = (e: ClipboardEvent) => {
    const files = [...e.clipboardData.files];
    if (files.length === 0) return;
    e.preventDefault();
    for (const f of files) client.upload(cid, f);
  };

  const userOf = usePeople();
  const sender = mode.kind === "reply" ? userOf(conversation, mode.message.senderId) : undefined;
  // Files go out together, in the order chosen: wait until every one has finished uploading.
  const uploading = uploads.some((u) => u.status === "uploading");
  const canSend =
    !isOverLimit(text) &&
    (mode.kind === "edit" ? text.trim().length > 0 : (text.trim().length > 0 || ready.length > 0) && !uploading);

  // An emoji from the picker goes where the caret is.
  const insertEmoji = (emoji: string) => {
    const el = area.current;
    const start = el?.selectionStart ?? text.length;
    const end = el?.selectionEnd ?? text.length;
    setText(text.slice(0, start) + emoji + text.slice(end));
    requestAnimationFrame(() => {
      el?.focus();
      el?.setSelectionRange(start + emoji.length, start + emoji.length);
    });
  };

  return (
    <div className="composer-wrap">
      {mode.kind !== "new" && (
        <div className="composer-mode" data-testid="composer-mode">
          <span>
            {mode.kind === "reply" ? t("chat.replyingTo", { name: sender?.displayName ?? "" }) : t("chat.editing")}
            <span className="muted"> — {plainText(mode.message.body).slice(0, 80)}</span>
          </span>
          <button
            type="button"
            className="icon-button"
            aria-label={t("chat.cancel")}
            onClick={() => {
              setMode({ kind: "new" });
              if (mode.kind === "edit") setText("");
            }}
          >
            <Icon name="close" size={16} />
          </button>
        </div>
      )}
      {uploads.length > 0 && (
        <ul className="upload-tray" aria-label={t("chat.attach")}>
          {uploads.map((u) => (
            <li key={u.localId} className={`upload ${u.status}`} data-testid="upload" data-status={u.status}>
              {u.status === "done" && u.attachment?.kind === "image" && u.attachment.thumbnailUrl ? (
                <img src={u.attachment.thumbnailUrl} alt="" className="upload-thumb" />
              ) : (
                <span className="upload-icon" aria-hidden="true">
                  <Icon name="file" size={22} />
                </span>
              )}
              <span className="upload-text">
                <span className="upload-name">
                  {u.name} <span className="muted">{formatBytes(u.size)}</span>
                </span>
                {u.status === "uploading" && (
                  <span
                    className="progress"
                    role="progressbar"
                    aria-label={t("upload.uploading", { name: u.name })}
                    aria-valuemin={0}
                    aria-valuemax={100}
                    aria-valuenow={Math.round(u.progress * 100)}
                  >
                    <span style={{ width: `${Math.round(u.progress * 100)}%` }} />
                  </span>
                )}
                {u.status === "error" && u.error && (
                  <span className="upload-error" role="alert" data-testid="upload-error" data-code={u.error.code}>
                    {uploadErrorText(u.error.code, u.name, u.error.message, t)}
                  </span>
                )}
              </span>
              <button
                type="button"
                className="icon-button"
                aria-label={u.status === "uploading" ? t("upload.cancel") : t("upload.remove")}
                title={u.status === "uploading" ? t("upload.cancel") : t("upload.remove")}
                onClick={() => client.cancelUpload(u.localId)}
              >
                <Icon name="close" size={16} />
              </button>
            </li>
          ))}
        </ul>
      )}
      {mention.popup}
      <form
        className="composer"
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <button
          type="button"
          className="icon-button"
          aria-label={t("chat.attach")}
          title={t("chat.attach")}
          onClick={() => fileInput.current?.click()}
        >
          <Icon name="clip" />
        </button>
        <input
          ref={fileInput}
          type="file"
          multiple
          hidden
          data-testid="file-input"
          onChange={(e) => {
            for (const f of e.target.files ?? []) client.upload(cid, f);
            e.target.value = "";
          }}
        />
        <textarea
          ref={area}
          rows={1}
          value={text}
          placeholder={t("chat.placeholder")}
          aria-label={t("chat.placeholder")}
          data-testid="composer-input"
          onChange={(e) => {
            setText(e.target.value);
            mention.track(e.target);
            if (e.target.value.trim()) client.typingInput(cid);
            else client.stopTyping(cid);
          }}
          onKeyDown={onKeyDown}
          onSelect={(e) => mention.track(e.currentTarget)}
          {...mention.inputProps}
          onPaste={onPaste}
          onBlur={() => client.stopTyping(cid)}
        />
        <button
          ref={emojiButton}
          type="button"
          className="icon-button"
          aria-label={t("emoji.insert")}
          title={t("emoji.insert")}
          aria-expanded={emojiOpen}
          onClick={() => setEmojiOpen(!emojiOpen)}
        >
          <Icon name="smile" />
        </button>
        {emojiOpen && (
          <EmojiPicker
            anchor={emojiButton}
            onPick={(e) => {
              insertEmoji(e);
              setEmojiOpen(false);
            }}
            onClose={() => setEmojiOpen(false)}
          />
        )}
        <button
          type="submit"
          className="send"
          disabled={!canSend}
          aria-label={mode.kind === "edit" ? t("chat.save") : t("chat.send")}
        >
          <Icon name={mode.kind === "edit" ? "check" : "send"} />
        </button>
      </form>
      <LengthCounter length={text.length} />
    </div>
  );
}
