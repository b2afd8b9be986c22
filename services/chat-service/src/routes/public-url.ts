import type { FastifyRequest } from "fastify";
import type { Config } from "../config.js";

/** Where people open the app: PUBLIC_URL, else the scheme and host this request came to (behind nginx: its). */
export const publicUrlOf = (config: Pick<Config, "PUBLIC_URL">, request: FastifyRequest): string =>
  (config.PUBLIC_URL ?? `${request.protocol}://${request.host}`).replace(/\/$/, "");
