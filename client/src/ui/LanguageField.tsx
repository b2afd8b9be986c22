import { LANGS, type Lang, useI18n } from "../i18n";

/** "Language" and the choice of UI language (saved for the next visit). */
export function LanguageField({ className }: { className?: string }) {
  const { t, lang, setLang } = useI18n();
  return (
    <label className={className}>
      {t("menu.language")}
      <select value={lang} onChange={(e) => setLang(e.target.value as Lang)}>
        {Object.entries(LANGS).map(([k, v]) => (
          <option key={k} value={k}>
            {v}
          </option>
        ))}
      </select>
    </label>
  );
}
