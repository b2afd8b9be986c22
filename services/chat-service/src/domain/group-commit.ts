/**
 * Group commit: items that arrive while a write is in flight wait and go together in the
 * next one, so under load N sends cost one transaction and one WAL flush instead of N,
 * and at rest a lone send is written at once (no timer, no added latency).
 *
 * Items with the same key (a conversation) are never in two writes at once and are
 * written in arrival order, so one connection's messages keep the order it sent them.
 */
export interface GroupCommitOptions<T, R> {
  /** Writes a batch; returns one outcome per item, in the batch's order. Throwing fails the whole batch. */
  write: (items: T[]) => Promise<Outcome<R>[]>;
  keyOf: (item: T) => string;
  maxBatch: number;
  /** Writes in flight at once (each holds a pooled connection while it runs). */
  concurrency: number;
  /** Called with the size of each batch as it starts (metrics). */
  onBatch?: (size: number) => void;
}

export type Outcome<R> = { ok: true; value: R } | { ok: false; error: unknown };

interface Entry<T, R> {
  item: T;
  key: string;
  resolve: (value: R) => void;
  reject: (err: unknown) => void;
}

export function createGroupCommit<T, R>(opts: GroupCommitOptions<T, R>) {
  let queue: Entry<T, R>[] = [];
  const busyKeys = new Set<string>();
  let inFlight = 0;

  /** The oldest queued items whose keys are free; an item left behind holds back its key's later items. */
  function takeBatch(): Entry<T, R>[] {
    const batch: Entry<T, R>[] = [];
    const rest: Entry<T, R>[] = [];
    const heldBack = new Set<string>();
    for (const e of queue) {
      if (batch.length < opts.maxBatch && !busyKeys.has(e.key) && !heldBack.has(e.key)) batch.push(e);
      else {
        rest.push(e);
        heldBack.add(e.key);
      }
    }
    queue = rest;
    return batch;
  }

  function pump(): void {
    while (inFlight < opts.concurrency && queue.length > 0) {
      const batch = takeBatch();
      if (batch.length === 0) return; // everything queued waits for a key in flight
      const keys = new Set(batch.map((e) => e.key));
      for (const k of keys) busyKeys.add(k);
      inFlight++;
      opts.onBatch?.(batch.length);
      void run(batch).finally(() => {
        for (const k of keys) busyKeys.delete(k);
        inFlight--;
        pump();
      });
    }
  }

  async function run(batch: Entry<T, R>[]): Promise<void> {
    try {
      const outcomes = await opts.write(batch.map((e) => e.item));
      batch.forEach((e, i) => {
        const o = outcomes[i];
        if (!o) e.reject(new Error("group commit: no outcome for an item"));
        else if (o.ok) e.resolve(o.value);
        else e.reject(o.error);
      });
    } catch (err) {
      for (const e of batch) e.reject(err);
    }
  }

  return {
    push(item: T): Promise<R> {
      return new Promise<R>((resolve, reject) => {
        queue.push({ item, key: opts.keyOf(item), resolve, reject });
        pump();
      });
    },
  };
}
