import { z } from "zod";

// Invisible characters that change how text reads without being seen: bidi embeddings,
// overrides and isolates (U+202A–202E, U+2066–2069, the marks U+200E/200F/061C) make
// "invoice\u202Egpj.exe" show as "invoiceexe.jpg"; zero-width spaces, joiners and the BOM
// make two names that look the same differ.
const INVISIBLE = /[\u061C\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: stripping them is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/** A name as people should read it: no bidi controls, zero-width or control characters, trimmed. */
export const cleanDisplayText = (s: string): string => s.replace(INVISIBLE, "").replace(CONTROL, "").trim();

const NO_NUL = { message: "must not contain NUL characters" } as const;
const hasNoNul = (s: string) => !s.includes("\u0000");

/** Free text (message bodies, search terms): any Unicode but NUL, which PostgreSQL cannot store. */
export const text = (max: number) => z.string().max(max).refine(hasNoNul, NO_NUL);

/**
 * A display name or title of 1–`max` characters. NUL is refused (it is never typed by a person);
 * other control and invisible characters are dropped, so nobody can spoof a name or file name.
 */
export const displayText = (max: number) =>
  z.string().refine(hasNoNul, NO_NUL).transform(cleanDisplayText).pipe(z.string().min(1, "must not be empty").max(max));

export const TOPIC_MAX = 250;

/** A group's topic of up to 250 characters; "" or null clears it (invisible and control characters are dropped). */
export const Topic = z
  .string()
  .refine(hasNoNul, NO_NUL)
  .transform(cleanDisplayText)
  .pipe(z.string().max(TOPIC_MAX))
  .transform((s) => (s === "" ? null : s))
  .nullable();

const segmenter = new Intl.Segmenter("en", { granularity: "grapheme" });
// A pictograph (with skin tone, ZWJ sequence or variation selector), a flag, or a keycap.
const EMOJI = /^(?:\p{Extended_Pictographic}|\p{Regional_Indicator}{2}|[#*0-9]\uFE0F?\u20E3)/u;

/** One emoji as the keyboard or picker types it: a single grapheme that is a pictograph, flag or keycap. */
export const Emoji = z
  .string()
  .min(1)
  .max(32)
  .refine((s) => EMOJI.test(s) && [...segmenter.segment(s)].length === 1, { message: "must be one emoji" });
