// Photos and videos that failed to load (the network dropped) load again by themselves once the
// network or the chat connection is back, instead of staying broken until scrolled away.
import { useEffect, useState } from "react";
import { useClient } from "./hooks";

/**
 * `attempt` is a key for the media element: it changes after a failure once the connection is
 * back, so a fresh element fetches again. Call `failed` from the element's onError.
 */
export function useReloadOnReconnect(): { attempt: number; failed(): void } {
  const client = useClient();
  const [attempt, setAttempt] = useState(0);
  const [broken, setBroken] = useState(false);

  useEffect(() => {
    if (!broken) return;
    const retry = () => {
      setBroken(false);
      setAttempt((n) => n + 1);
    };
    // Either sign that the way to the server is back: the browser is online again, or the chat
    // connection (re)connected. A failure that was not the network retries at the next of these too.
    const unsubscribe = client.stores.connection.subscribe(() => {
      if (client.stores.connection.get() === "connected") retry();
    });
    window.addEventListener("online", retry);
    return () => {
      unsubscribe();
      window.removeEventListener("online", retry);
    };
  }, [broken, client]);

  return { attempt, failed: () => setBroken(true) };
}
