// @mentions as text, without a browser: what the composer suggests for the word being typed, putting
// the chosen name in, and which tokens of a body are mentions (of me, of everyone).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  insertMention,
  mentionName,
  mentionQueryAt,
  mentionSuggestions,
  mentionsMe,
  splitMentions,
} from "../src/ui/mentions";
import { ANA, BEN, conversation, ME, msg, user } from "./fixtures";

const group = conversation({
  kind: "group",
  title: "Launch",
  members: [
    { user: user(ME, "Me"), role: "admin", lastReadSeq: 0, lastDeliveredSeq: 0 },
    { user: { ...user(ANA, "Ana"), displayName: "Ana Torres" }, role: "member", lastReadSeq: 0, lastDeliveredSeq: 0 },
    { user: { ...user(BEN, "Ben"), displayName: "Ben Okafor" }, role: "member", lastReadSeq: 0, lastDeliveredSeq: 0 },
  ],
});

describe("mentions: typing one", () => {
  test("the word after an @ at the caret is the query; an @ inside a word (an address) is not", () => {
    assert.deepEqual(mentionQueryAt("hi @an", 6), { start: 3, query: "an" });
    assert.deepEqual(mentionQueryAt("@", 1), { start: 0, query: "" });
    assert.equal(mentionQueryAt("mail ana@example.com", 20), null);
    assert.equal(mentionQueryAt("hi @ana and", 11), null, "the caret has moved past it");
    assert.deepEqual(mentionQueryAt("hi @ana and", 7), { start: 3, query: "ana" });
  });

  test("suggestions: members by username or any word of their name, never me; @channel/@here in groups", () => {
    const names = (q: string) => mentionSuggestions(group, q, ME).map(mentionName);
    assert.deepEqual(names(""), ["ana", "ben", "channel", "here"]);
    assert.deepEqual(names("ok"), ["ben"], "Okafor");
    assert.deepEqual(names("h"), ["here"]);
    assert.deepEqual(names("me"), []);
    assert.deepEqual(mentionSuggestions(conversation(), "", ME).map(mentionName), ["ana"], "a DM has no @channel");
  });

  test("picking replaces the typed part with @name and a space, keeping what follows", () => {
    assert.deepEqual(insertMention("hi @an", 3, 6, "ana"), { text: "hi @ana ", caret: 8 });
    assert.deepEqual(insertMention("hi @an, see this", 3, 6, "ana"), { text: "hi @ana, see this", caret: 7 });
    assert.deepEqual(insertMention("@b rest", 0, 2, "ben"), { text: "@ben rest", caret: 4 });
    assert.deepEqual(insertMention("@a|na".replace("|", ""), 0, 2, "ana"), { text: "@ana ", caret: 5 });
  });
});

describe("mentions: in a message", () => {
  test("@names are split out as tokens; a trailing dot is not part of the name; addresses are not mentions", () => {
    assert.deepEqual(splitMentions("Thanks @ana. And @channel!"), [
      { text: "Thanks " },
      { text: "@ana", mention: "ana" },
      { text: ". And " },
      { text: "@channel", mention: "channel" },
      { text: "!" },
    ]);
    assert.deepEqual(splitMentions("write to ana@example.com"), [{ text: "write to ana@example.com" }]);
  });

  test("a message mentions me as the server parsed it (members only), or everyone; never my own", () => {
    const mentioning = (userIds: string[], channel = false) => msg(1, { body: "hey", mentions: { userIds, channel } });
    assert.equal(mentionsMe(mentioning([ME]), ME), true);
    assert.equal(mentionsMe(mentioning([], true), ME), true);
    assert.equal(mentionsMe(mentioning([BEN]), ME), false);
    assert.equal(mentionsMe({ ...mentioning([ME]), senderId: ME }, ME), false);
  });
});
