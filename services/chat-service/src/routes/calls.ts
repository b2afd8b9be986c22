import type { FastifyPluginAsync } from "fastify";
import { iceServersFor } from "../calls/ice.js";
import { callSettings } from "../calls/settings.js";
import type { AppDeps } from "../deps.js";

/** Short-lived TURN credentials for the signed-in user (coturn's TURN REST scheme). */
export const callRoutes: FastifyPluginAsync<{ deps: AppDeps }> = async (app, { deps }) => {
  const { turn } = callSettings(deps.config);
  app.addHook("preHandler", app.authenticate);

  app.get("/calls/ice-servers", async (request, reply) => {
    // Credentials are per user and short-lived: never let a shared cache keep them.
    reply.header("cache-control", "no-store");
    return iceServersFor(turn, request.user.id);
  });
};
