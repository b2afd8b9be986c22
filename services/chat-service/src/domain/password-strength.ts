import type { ZxcvbnFactory } from "@zxcvbn-ts/core";
import { weakPassword } from "../errors.js";

// zxcvbn's score 3 = "safely unguessable: moderate protection from an offline slow-hash attack";
// it already refuses the top passwords, keyboard walks, repeats and dates.
const MIN_SCORE = 3;

// The dictionaries take ~15 MB: loaded on the first registration, not at start.
let checker: Promise<ZxcvbnFactory> | undefined;
const load = () => {
  checker ??= Promise.all([import("@zxcvbn-ts/core"), import("@zxcvbn-ts/language-common")]).then(
    ([core, common]) =>
      new core.ZxcvbnFactory({ dictionary: { ...common.dictionary }, graphs: common.adjacencyGraphs }),
  );
  return checker;
};

// zxcvbn's warnings are translation keys; these say the same in a sentence.
const HINTS: Record<string, string> = {
  topTen: "it is one of the ten most used passwords",
  topHundred: "it is one of the most used passwords",
  common: "it is a commonly used password",
  similarToCommon: "it is close to a commonly used password",
  simpleRepeat: "it repeats characters",
  extendedRepeat: "it repeats a pattern",
  sequences: "it is a sequence like abc or 123",
  straightRow: "it is a row of keys",
  keyPattern: "it is a keyboard pattern",
  dates: "it contains a date",
  recentYears: "it contains a recent year",
  userInputs: "it contains your name",
  namesByThemselves: "it is a name",
  wordByItself: "it is a single word",
};

/** Refuses a password that is easy to guess, also from the account's own username and display name. */
export async function requireStrongPassword(password: string, userInputs: string[]): Promise<void> {
  const result = (await load()).check(password, userInputs);
  if (result.score < MIN_SCORE) throw weakPassword(HINTS[result.feedback.warning ?? ""] ?? "");
}
