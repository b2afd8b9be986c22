import type { z } from "zod";

/** Edge validation with the protocol's zod schemas; a ZodError becomes 400 bad_request in the error handler. */
export const parse = <S extends z.ZodType>(schema: S, value: unknown): z.output<S> => schema.parse(value ?? {});
