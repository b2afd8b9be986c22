// What a search box line means: words (matched as prefixes and by their stems), "quoted phrases",
// -excluded words and the filters from:@user, in:#channel, has:file|image|link|video|audio,
// before:/after: YYYY-MM-DD. Pure, so the rules are tested without a database.
import { badRequest } from "../errors.js";

export type HasFilter = "file" | "image" | "video" | "audio" | "link";

export interface ParsedSearch {
  /** Lowercase runs of letters and digits, at most MAX_WORDS. */
  words: string[];
  phrases: string[];
  excluded: string[];
  from: string[];
  in: string[];
  has: HasFilter[];
  /** UTC day bounds (YYYY-MM-DD): before = strictly earlier days, after = strictly later days. */
  before?: string;
  after?: string;
}

export const MAX_WORDS = 10;
export const MAX_PHRASES = 5;
const HAS: readonly HasFilter[] = ["file", "image", "video", "audio", "link"];
const TOKEN = /(-?)(?:(from|in|has|before|after):)?(?:"([^"]*)"?|(\S+))/gi;
const WORD = /[\p{L}\p{N}]+/gu;

const wordsOf = (s: string) => (s.toLowerCase().match(WORD) ?? []).slice(0, MAX_WORDS);

function day(value: string, name: string): string {
  const d = /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(`${value}T00:00:00Z`) : null;
  if (!d || Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== value)
    throw badRequest(`${name}: must be a date written YYYY-MM-DD`);
  return value;
}

export function parseSearch(q: string): ParsedSearch {
  const out: ParsedSearch = { words: [], phrases: [], excluded: [], from: [], in: [], has: [] };
  for (const m of q.matchAll(TOKEN)) {
    const [, minus, filter, quoted, bare] = m;
    const value = quoted ?? bare ?? "";
    switch (filter?.toLowerCase()) {
      case "from":
        if (value) out.from.push(value.replace(/^@/, "").toLowerCase());
        continue;
      case "in":
        if (value) out.in.push(value.replace(/^#/, "").toLowerCase());
        continue;
      case "has": {
        const h = value.toLowerCase() as HasFilter;
        if (!HAS.includes(h)) throw badRequest(`has: must be one of ${HAS.join(", ")}`);
        out.has.push(h);
        continue;
      }
      case "before":
        out.before = day(value, "before");
        continue;
      case "after":
        out.after = day(value, "after");
        continue;
    }
    if (filter) {
      // "from:" and the like with nothing after: the words as typed.
      out.words.push(...wordsOf(`${filter} ${value}`));
    } else if (quoted !== undefined) {
      const words = wordsOf(quoted);
      if (words.length > 1 && out.phrases.length < MAX_PHRASES) out.phrases.push(words.join(" "));
      else out.words.push(...words);
    } else if (minus) out.excluded.push(...wordsOf(value));
    else if (value.toLowerCase() !== "or") out.words.push(...wordsOf(value));
  }
  out.words = [...new Set(out.words)].slice(0, MAX_WORDS);
  out.excluded = [...new Set(out.excluded)].slice(0, MAX_WORDS);
  return out;
}

/** Whether the search says anything at all (else there is nothing to find). */
export const isEmptySearch = (p: ParsedSearch) =>
  p.words.length + p.phrases.length + p.from.length + p.in.length + p.has.length === 0 && !p.before && !p.after;
