// The composer's character counter: hidden until the text nears the limit, then the characters left;
// over the limit, how many too many and that it will not be sent (the text is never cut).
import { MESSAGE_BODY_MAX } from "@messenger/protocol";
import { useI18n } from "../i18n";

/** The counter shows from this many characters before the limit. */
export const COUNTER_FROM = MESSAGE_BODY_MAX - 500;

export function LengthCounter({ length }: { length: number }) {
  const { t } = useI18n();
  if (length < COUNTER_FROM) return null;
  const left = MESSAGE_BODY_MAX - length;
  return left >= 0 ? (
    <span className="length-counter" data-testid="length-counter" aria-live="polite">
      {t("composer.left", { count: left })}
    </span>
  ) : (
    <span className="length-counter over" data-testid="length-counter" role="alert">
      {t("composer.tooLong", { count: -left, max: MESSAGE_BODY_MAX })}
    </span>
  );
}
