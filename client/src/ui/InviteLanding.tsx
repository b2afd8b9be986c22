// Opening an invite link (`/invite/<code>`) while signed in: what the group is, and Join. An expired,
// revoked or used-up code says so. Afterwards the address is the app's own again.
import type { InvitePreviewResponse } from "@messenger/protocol";
import { useEffect, useState } from "react";
import { useI18n } from "../i18n";
import { Dialog } from "./Dialog";
import { errorText, membersCountText } from "./format";
import { useClient } from "./hooks";
import { openConversation } from "./navigation";

const INVITE_PATH = /^\/invite\/([A-Za-z0-9_-]{1,100})\/?$/;

/** The invite code in the address, if the page was opened from an invite link. */
export const inviteFromPath = (): string | null => INVITE_PATH.exec(location.pathname)?.[1] ?? null;

export function InviteLanding({ code }: { code: string }) {
  const client = useClient();
  const { t } = useI18n();
  const [invite, setInvite] = useState<InvitePreviewResponse["invite"] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);

  useEffect(() => {
    client
      .invitePreview(code)
      .then(setInvite, (e: unknown) =>
        setError((e as { code?: string }).code === "not_found" ? t("invite.invalid") : errorText(e, t)),
      );
  }, [client, code, t]);

  const close = (conversationId?: string) => {
    history.replaceState(null, "", "/");
    setDone(true);
    if (conversationId) openConversation(conversationId);
  };

  if (done) return null;
  return (
    <Dialog label={invite?.title ?? t("convSettings.invite")} onClose={() => close()}>
      <h2>{invite ? `# ${invite.title}` : t("convSettings.invite")}</h2>
      {invite && (
        <p className="muted">
          {membersCountText(invite.memberCount, t)}
          {invite.topic ? ` · ${invite.topic}` : ""}
        </p>
      )}
      {error && (
        <p role="alert" className="form-error">
          {error}
        </p>
      )}
      <div className="dialog-actions">
        <button type="button" onClick={() => close()}>
          {t("members.cancel")}
        </button>
        {invite && (
          <button
            type="button"
            className="primary"
            disabled={busy}
            onClick={() => {
              if (invite.joined) return close(invite.conversationId);
              setBusy(true);
              client.acceptInvite(code).then(
                (c) => close(c.id),
                (e: unknown) => {
                  setBusy(false);
                  setError((e as { code?: string }).code === "not_found" ? t("invite.invalid") : errorText(e, t));
                },
              );
            }}
          >
            {busy ? t("invite.joining") : invite.joined ? t("browse.open") : t("browse.join")}
          </button>
        )}
      </div>
    </Dialog>
  );
}
