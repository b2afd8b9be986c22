/** The smallest observable value: what every store here is built on, and what React reads via useSyncExternalStore. */
export interface Observable<S> {
  get(): S;
  subscribe(listener: () => void): () => void;
}

export interface Store<S> extends Observable<S> {
  set(next: S): void;
  update(fn: (prev: S) => S): void;
}

export function createStore<S>(initial: S): Store<S> {
  let state = initial;
  const listeners = new Set<() => void>();
  const set = (next: S) => {
    if (Object.is(next, state)) return;
    state = next;
    for (const l of [...listeners]) l();
  };
  return {
    get: () => state,
    set,
    update: (fn) => set(fn(state)),
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
