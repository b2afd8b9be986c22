import type { Outcome } from "./group-commit.js";

interface Entry<T> {
  item: T;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * Gathers the items of one key (a big conversation's receipts) for `windowMs` from the first one,
 * then writes them together; one key is never in two writes at once, and windows of one key are
 * written in the order they opened. The price of one write per window is up to `windowMs` of
 * latency for each item's promise, which resolves once it is stored.
 */
export function createWindows<T>(opts: {
  windowMs: number;
  keyOf: (item: T) => string;
  /** Writes one key's window; one outcome per item, in order. Throwing fails the whole window. */
  write: (key: string, items: T[]) => Promise<Outcome<void>[]>;
  onWindow?: (size: number) => void;
}) {
  const open = new Map<string, { entries: Entry<T>[]; timer: NodeJS.Timeout }>();
  const writing = new Map<string, Promise<void>>();

  async function run(key: string, entries: Entry<T>[]): Promise<void> {
    opts.onWindow?.(entries.length);
    try {
      const outcomes = await opts.write(
        key,
        entries.map((e) => e.item),
      );
      entries.forEach((e, i) => {
        const o = outcomes[i];
        if (!o) e.reject(new Error("receipt window: no outcome for an item"));
        else if (o.ok) e.resolve();
        else e.reject(o.error);
      });
    } catch (err) {
      for (const e of entries) e.reject(err);
    }
  }

  function close(key: string): Promise<void> {
    const w = open.get(key);
    if (!w) return writing.get(key) ?? Promise.resolve();
    open.delete(key);
    clearTimeout(w.timer);
    const done = (writing.get(key) ?? Promise.resolve()).then(() => run(key, w.entries));
    writing.set(key, done);
    void done.finally(() => {
      if (writing.get(key) === done) writing.delete(key);
    });
    return done;
  }

  return {
    push(item: T): Promise<void> {
      const key = opts.keyOf(item);
      return new Promise<void>((resolve, reject) => {
        let w = open.get(key);
        if (!w) {
          w = { entries: [], timer: setTimeout(() => void close(key), opts.windowMs) };
          open.set(key, w);
        }
        w.entries.push({ item, resolve, reject });
      });
    },
    /** Writes every open window now and waits for all writes (shutdown: nothing asked for is left unwritten). */
    async flush(): Promise<void> {
      await Promise.all([...open.keys()].map(close));
      await Promise.all([...writing.values()]);
    },
  };
}
