// The group commit under the send path: batching, per-key order and isolation of failures.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createGroupCommit, type Outcome } from "../src/domain/group-commit.js";

interface Item {
  key: string;
  n: number;
}

/** A write that the test releases by hand, recording each batch it was given. */
function controlledWrites() {
  const batches: Item[][] = [];
  const releases: (() => void)[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const write = (items: Item[]) => {
    batches.push(items);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    return new Promise<Outcome<number>[]>((resolve) => {
      releases.push(() => {
        inFlight--;
        resolve(items.map((i) => ({ ok: true, value: i.n })));
      });
    });
  };
  return { batches, releases, write, maxInFlight: () => maxInFlight };
}

const settled = () => new Promise((r) => setImmediate(r));

test("a lone item is written at once; items arriving meanwhile go together in the next write", async () => {
  const w = controlledWrites();
  const gc = createGroupCommit<Item, number>({ write: w.write, keyOf: (i) => i.key, maxBatch: 100, concurrency: 1 });
  const first = gc.push({ key: "a", n: 0 });
  assert.equal(w.batches.length, 1, "no waiting for company when nothing is in flight");
  const later = [1, 2, 3, 4].map((n) => gc.push({ key: n % 2 ? "a" : "b", n }));
  assert.equal(w.batches.length, 1, "queued behind the write in flight");
  w.releases[0]!();
  assert.equal(await first, 0);
  await settled();
  assert.deepEqual(
    w.batches[1]!.map((i) => i.n),
    [1, 2, 3, 4],
    "one write for everything that queued, in arrival order",
  );
  w.releases[1]!();
  assert.deepEqual(await Promise.all(later), [1, 2, 3, 4]);
});

test("one key is never in two writes at once, so its items keep their order; other keys go ahead", async () => {
  const w = controlledWrites();
  const gc = createGroupCommit<Item, number>({ write: w.write, keyOf: (i) => i.key, maxBatch: 2, concurrency: 3 });
  const all = [
    gc.push({ key: "a", n: 0 }),
    gc.push({ key: "a", n: 1 }),
    gc.push({ key: "b", n: 2 }),
    gc.push({ key: "a", n: 3 }),
    gc.push({ key: "c", n: 4 }),
  ];
  await settled();
  // First write took "a"#0 alone; then "a" is busy: b and c go ahead, a's later items wait.
  assert.deepEqual(
    w.batches.map((b) => b.map((i) => i.n)),
    [[0], [2], [4]],
  );
  for (const release of w.releases.splice(0)) release();
  await settled();
  // "a"#1 and "a"#3 together (a batch may hold several items of one key, in order).
  assert.deepEqual(
    w.batches.at(-1)!.map((i) => i.n),
    [1, 3],
  );
  for (const release of w.releases.splice(0)) release();
  assert.deepEqual(await Promise.all(all), [0, 1, 2, 3, 4]);
  assert.ok(w.maxInFlight() <= 3);
});

test("a write that fails rejects its own batch only; per-item refusals reach only their item", async () => {
  let calls = 0;
  const gc = createGroupCommit<Item, number>({
    keyOf: (i) => i.key,
    maxBatch: 100,
    concurrency: 1,
    write: async (items) => {
      calls++;
      if (calls === 1) throw new Error("database down");
      return items.map((i) => (i.n === 2 ? { ok: false, error: new Error("refused") } : { ok: true, value: i.n }));
    },
  });
  const failed = gc.push({ key: "a", n: 0 });
  const next = [1, 2, 3].map((n) => gc.push({ key: "a", n }));
  await assert.rejects(failed, /database down/);
  const results = await Promise.allSettled(next);
  assert.deepEqual(
    results.map((r) => r.status),
    ["fulfilled", "rejected", "fulfilled"],
  );
});
