import { createContext, useContext } from "react";
import { en, type MessageKey } from "./en";
import { es } from "./es";

export type Lang = "en" | "es";
export const LANGS: Record<Lang, string> = { en: "English", es: "Español" };
const dictionaries: Record<Lang, Record<MessageKey, string>> = { en, es };
const LANG_KEY = "messenger.lang";

/** The saved choice, else the browser's language, else English. */
export function initialLang(): Lang {
  const saved = globalThis.localStorage?.getItem(LANG_KEY);
  if (saved === "en" || saved === "es") return saved;
  const langs = globalThis.navigator?.languages ?? [globalThis.navigator?.language ?? "en"];
  for (const l of langs) {
    const base = l.toLowerCase().split("-")[0];
    if (base === "es" || base === "en") return base;
  }
  return "en";
}

export function saveLang(lang: Lang) {
  globalThis.localStorage?.setItem(LANG_KEY, lang);
}

export type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

export function translator(lang: Lang): Translate {
  const dict = dictionaries[lang];
  return (key, params) => {
    const text = dict[key] ?? en[key] ?? key;
    return params ? text.replace(/\{(\w+)\}/g, (_, k: string) => String(params[k] ?? `{${k}}`)) : text;
  };
}

export interface I18n {
  lang: Lang;
  t: Translate;
  setLang(lang: Lang): void;
  /** Locale for dates and times. */
  locale: string;
}
export const I18nContext = createContext<I18n>({
  lang: "en",
  t: translator("en"),
  setLang: () => {},
  locale: "en",
});
export const useI18n = () => useContext(I18nContext);
export type { MessageKey };
