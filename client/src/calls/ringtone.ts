// Ring sounds generated with WebAudio, so there is no audio asset to ship or cache.
// "incoming": a two-note chime repeating every 2 s; "ringback": the caller's 440+480 Hz
// tone, 1 s on / 3 s off, quieter.

export type ToneKind = "incoming" | "ringback";

export interface Tone {
  stop(): void;
}

type AudioContextCtor = typeof AudioContext;

export function startTone(kind: ToneKind): Tone {
  const Ctor: AudioContextCtor | undefined =
    typeof window === "undefined"
      ? undefined
      : (window.AudioContext ?? (window as unknown as { webkitAudioContext?: AudioContextCtor }).webkitAudioContext);
  if (!Ctor) return { stop() {} };
  let ctx: AudioContext;
  try {
    ctx = new Ctor();
  } catch {
    return { stop() {} };
  }
  // Autoplay policy may keep the context suspended until the user has interacted with the page.
  ctx.resume().catch(() => {});
  const master = ctx.createGain();
  master.gain.value = kind === "incoming" ? 0.25 : 0.12;
  master.connect(ctx.destination);

  const beep = (freqs: number[], start: number, length: number) => {
    const env = ctx.createGain();
    env.gain.setValueAtTime(0, start);
    env.gain.linearRampToValueAtTime(1, start + 0.02);
    env.gain.setValueAtTime(1, start + length - 0.05);
    env.gain.linearRampToValueAtTime(0, start + length);
    env.connect(master);
    for (const f of freqs) {
      const osc = ctx.createOscillator();
      osc.type = "sine";
      osc.frequency.value = f;
      osc.connect(env);
      osc.start(start);
      osc.stop(start + length);
    }
  };

  const period = kind === "incoming" ? 2 : 4;
  const schedule = () => {
    const t = ctx.currentTime + 0.05;
    if (kind === "incoming") {
      beep([659.25], t, 0.35); // E5
      beep([523.25], t + 0.4, 0.5); // C5
    } else {
      beep([440, 480], t, 1);
    }
  };
  schedule();
  const timer = setInterval(schedule, period * 1000);
  let stopped = false;
  return {
    stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      master.gain.setValueAtTime(0, ctx.currentTime);
      ctx.close().catch(() => {});
    },
  };
}
