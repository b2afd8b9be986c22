// call:signal messages can arrive before this side has created its peer (the other side is
// faster to get its camera, or the server chose it as initiator). They wait here, in order,
// and only for the current call.

export type SignalData = Record<string, unknown>;

export interface SignalQueue {
  /** Start collecting for a new call; anything kept for an older call is dropped. */
  reset(callId: string | null): void;
  /** Deliver now if a sink is attached, else keep. Signals for other calls are ignored. */
  push(callId: string, data: SignalData): void;
  /** Attach the peer: flushes what was kept, then delivers directly. */
  attach(callId: string, sink: (data: SignalData) => void): void;
  readonly pending: number;
}

export function createSignalQueue(): SignalQueue {
  let current: string | null = null;
  let kept: SignalData[] = [];
  let sink: ((data: SignalData) => void) | null = null;
  return {
    reset(callId) {
      current = callId;
      kept = [];
      sink = null;
    },
    push(callId, data) {
      if (callId !== current) return;
      if (sink) sink(data);
      else kept.push(data);
    },
    attach(callId, s) {
      if (callId !== current) return;
      sink = s;
      const flush = kept;
      kept = [];
      for (const d of flush) s(d);
    },
    get pending() {
      return kept.length;
    },
  };
}
