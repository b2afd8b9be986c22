import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { AVATAR_MAX_BYTES, type Avatars } from "../../domain/avatars.js";
import { badRequest, notFound, tooLarge } from "../../errors.js";

const Params = z.object({ userId: z.uuid() });

/**
 * `POST /api/media/avatar` (multipart field `file`) sets the signed-in user's picture, `DELETE` returns
 * to initials; `GET /api/media/avatars/:userId` serves anyone's to anyone signed in (the URL carries a
 * version, so it is cached for long).
 */
export default async function avatarRoutes(app: FastifyInstance, deps: { avatars: Avatars }) {
  const { avatars } = deps;

  app.post("/api/media/avatar", async (request, reply) => {
    const user = await app.requireUser(request);
    try {
      const declared = Number(request.headers["content-length"] ?? 0);
      if (declared > AVATAR_MAX_BYTES + 64 * 1024) throw tooLarge(AVATAR_MAX_BYTES);
      if (!request.isMultipart()) throw badRequest("expected multipart/form-data with a file");
      for await (const part of request.parts()) {
        if (part.type === "field") continue;
        const key = await avatars.replace(
          { stream: part.file, filename: part.filename, mimetype: part.mimetype },
          user.userId,
        );
        return reply.status(201).send({ avatarUrl: `/api/media/avatars/${user.userId}?v=${key.split("/").pop()}` });
      }
      throw badRequest("no file in the upload");
    } catch (err) {
      if (!request.raw.readableEnded) {
        reply.header("connection", "close");
        request.raw.unpipe();
        request.raw.pause();
      }
      throw err;
    }
  });

  app.delete("/api/media/avatar", async (request, reply) => {
    const user = await app.requireUser(request);
    await avatars.remove(user.userId);
    return reply.status(204).send();
  });

  app.get("/api/media/avatars/:userId", async (request, reply) => {
    await app.requireUser(request);
    const parsed = Params.safeParse(request.params);
    const key = parsed.success ? await avatars.keyOf(parsed.data.userId) : null;
    if (!key) throw notFound("avatar");
    const size = await app.storage.size(key);
    return reply
      .header("content-type", "image/webp")
      .header("content-length", size)
      .header("cache-control", "private, max-age=86400")
      .header("x-content-type-options", "nosniff")
      .header("content-security-policy", "default-src 'none'; sandbox")
      .send(await app.storage.get(key));
  });
}
