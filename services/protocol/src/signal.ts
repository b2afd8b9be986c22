import { z } from "zod";

/** simple-peer signal data (offer / answer / candidate / renegotiate), bounded in size. */
export const SIGNAL_MAX_BYTES = 64 * 1024;
export const SignalData = z
  .record(z.string(), z.unknown())
  .refine((d) => JSON.stringify(d).length <= SIGNAL_MAX_BYTES, { message: "signal too large" });
