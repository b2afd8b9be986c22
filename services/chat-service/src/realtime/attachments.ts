import { ATTACHMENT_UPDATED_CHANNEL, USER_UPDATED_CHANNEL } from "@messenger/common";
import pg from "pg";
import type { AppDeps } from "../deps.js";

/**
 * media-service NOTIFYs when an attachment finishes processing (or fails). We
 * hold one dedicated connection LISTENing, reconnecting with backoff, and push
 * `message:updated` for the message that carries the attachment (if it is sent yet). The same
 * connection hears of avatar changes (USER_UPDATED_CHANNEL) and tells the user's contacts.
 */
export interface AttachmentListener {
  /** Resolves once the current connection is LISTENing (again, after a reconnect). */
  listening(): Promise<void>;
  close(): Promise<void>;
}

export function startAttachmentListener(deps: AppDeps): AttachmentListener {
  const { config, messages, account, log } = deps;
  let client: pg.Client | null = null;
  let closed = false;
  let retryMs = 250;
  let timer: NodeJS.Timeout | null = null;
  let isListening = false;
  let waiters: (() => void)[] = [];

  async function connect() {
    if (closed) return;
    const c = new pg.Client({ connectionString: config.DATABASE_URL });
    client = c;
    const retry = (err: unknown) => {
      if (closed || client !== c) return;
      log.warn({ err, retryMs }, "attachment listener lost its connection; reconnecting");
      client = null;
      isListening = false;
      c.end().catch(() => {});
      timer = setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 10_000);
    };
    c.on("error", retry);
    c.on("end", () => retry(new Error("connection ended")));
    c.on("notification", (n) => {
      if (!n.payload) return;
      if (n.channel === USER_UPDATED_CHANNEL)
        account.publishUser(n.payload).catch((err) => log.error({ err }, "user update not delivered"));
      if (n.channel !== ATTACHMENT_UPDATED_CHANNEL) return;
      messages.attachmentChanged(n.payload).catch((err) => log.error({ err }, "attachment update not delivered"));
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${ATTACHMENT_UPDATED_CHANNEL}`);
      await c.query(`LISTEN ${USER_UPDATED_CHANNEL}`);
      retryMs = 250;
      isListening = true;
      for (const w of waiters) w();
      waiters = [];
    } catch (err) {
      retry(err);
    }
  }
  void connect();

  return {
    listening: () => (isListening ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve))),
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      const c = client;
      client = null;
      await c?.end().catch(() => {});
    },
  };
}
