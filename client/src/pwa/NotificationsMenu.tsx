import { useState } from "react";
import { useI18n } from "../i18n";
import { Dialog } from "../ui/Dialog";
import { Icon } from "../ui/Icon";
import { PushSettings } from "./PushSettings";

/** The bell in the user menu: opens this device's notification settings. */
export function NotificationsMenu() {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  return (
    <>
      <button
        type="button"
        className="icon-button"
        aria-label={t("push.menu")}
        title={t("push.menu")}
        onClick={() => setOpen(true)}
      >
        <Icon name="bell" />
      </button>
      {open && (
        <Dialog label={t("push.title")} onClose={() => setOpen(false)}>
          <PushSettings />
          <div className="dialog-actions">
            <button type="button" onClick={() => setOpen(false)}>
              {t("push.close")}
            </button>
          </div>
        </Dialog>
      )}
    </>
  );
}
