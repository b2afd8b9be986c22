// `@name` tokens in a run of message text, marked (and mentions of me, or of everyone, marked more):
// what a body renderer calls for its plain text. Rendered as text nodes, never HTML.
import type { Message } from "@messenger/protocol";
import { useAuth, useClient, useStore } from "./hooks";
import type { TextRenderer } from "./markdown/render";

import { mentionsMe, mentionTargetsMe, splitMentions } from "./mentions";

/** For the markdown renderer (`Body`'s `renderText`): plain runs of text with their mentions marked. */
export const renderMentions: TextRenderer = (text, key) => <MentionText key={key} text={text} />;

export function MentionText({ text }: { text: string }) {
  const auth = useAuth();
  const username = useStore(auth.session, (s) => s?.user.username ?? "");
  const parts = splitMentions(text);
  if (parts.length === 1 && !parts[0]!.mention) return text;
  return parts.map((p, i) =>
    p.mention ? (
      <span
        // biome-ignore lint/suspicious/noArrayIndexKey: parts of one immutable string
        key={i}
        className={mentionTargetsMe(p.mention, username) ? "mention me" : "mention"}
        data-testid="mention"
      >
        {p.text}
      </span>
    ) : (
      p.text
    ),
  );
}

/** Does this message mention me (or everyone)? Its row is marked then. */
export function useMentionsMe(m: Message): boolean {
  return mentionsMe(m, useClient().me());
}
