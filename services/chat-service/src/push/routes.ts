import {
  PUSH_SUBSCRIPTIONS_PER_USER,
  type PushKeyResponse,
  PushSubscriptionBody,
  type PushTestResponse,
  PushUnsubscribeBody,
} from "@messenger/protocol";
import type { FastifyPluginAsync } from "fastify";
import type { AppDeps } from "../deps.js";
import { notFound } from "../errors.js";
import { spend } from "../limits.js";
import { parse } from "../routes/validate.js";
import { checkEndpoint } from "./endpoint.js";

/** Turning push on and off per device, and a test push. */
export const pushRoutes: FastifyPluginAsync<{ deps: AppDeps }> = async (app, { deps }) => {
  const { push, config, limits } = deps;

  app.get("/push/key", async (): Promise<PushKeyResponse> => ({ publicKey: await push.publicKey() }));

  app.register(async (authed) => {
    authed.addHook("preHandler", app.authenticate);

    authed.post("/push/subscriptions", async (request, reply) => {
      const body = parse(PushSubscriptionBody, request.body);
      await spend(limits.pushSubscribe, request.user.id, "too many devices turned on, try again later");
      const endpoint = checkEndpoint(body.endpoint, config.PUSH_ALLOW_PRIVATE_ENDPOINTS);
      await push.store.upsert(
        {
          userId: request.user.id,
          sessionId: request.user.sessionId ?? null,
          endpoint,
          p256dh: body.keys.p256dh,
          auth: body.keys.auth,
          userAgent: request.headers["user-agent"] ?? null,
          lang: body.lang ?? null,
        },
        PUSH_SUBSCRIPTIONS_PER_USER,
      );
      return reply.code(201).send({});
    });

    authed.delete("/push/subscriptions", async (request, reply) => {
      const { endpoint } = parse(PushUnsubscribeBody, request.body);
      // Someone else's endpoint is as unknown as one that never existed.
      if (!(await push.store.remove(request.user.id, endpoint))) throw notFound("subscription");
      return reply.code(204).send();
    });

    authed.post("/push/test", async (request): Promise<PushTestResponse> => {
      await spend(limits.pushTest, request.user.id, "too many test pushes, wait a minute");
      return { sent: await push.notifier.test(request.user.id) };
    });
  });
};
