// The React context that carries the calls controller to the calls components.
import type { User } from "@messenger/protocol";
import { createContext, useContext } from "react";
import type { CallController } from "./controller";
import type { CallStrings, Lang } from "./i18n";

export interface CallsContextValue {
  controller: CallController;
  me: User;
  t: CallStrings;
  lang: Lang;
}

export const CallsContext = createContext<CallsContextValue | null>(null);

export function useCallsContext(): CallsContextValue {
  const ctx = useContext(CallsContext);
  if (!ctx) throw new Error("calls components must be rendered inside <CallsProvider>");
  return ctx;
}
