import { type AttachmentRow, toAttachment } from "@messenger/common";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import type { Config } from "../../config.js";
import type { Uploads } from "../../domain/uploads.js";
import { badRequest, notFound, notReady, tooLarge } from "../../errors.js";
import type { AttachmentStore, createMembershipStore } from "../../store/attachments.js";
import { parseRange } from "./range.js";

export interface MediaRouteDeps {
  config: Config;
  uploads: Uploads;
  attachments: AttachmentStore;
  members: ReturnType<typeof createMembershipStore>;
}

const Uuid = z.string().uuid();
const Params = z.object({ id: z.string() });
const Query = z.object({ redirect: z.enum(["0", "1", "true", "false"]).optional() });

/** Content-Disposition with an ASCII fallback and the real (UTF-8) name. */
function disposition(type: "inline" | "attachment", name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, "_").replace(/["\\]/g, "_");
  return `${type}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

export default async function mediaRoutes(app: FastifyInstance, deps: MediaRouteDeps) {
  const { config, uploads, attachments, members } = deps;
  const maxBytes = Math.max(...Object.values(config.limits));

  app.post("/api/media", async (request, reply) => {
    try {
      const user = await app.requireUser(request);
      // A declared length far above every limit is refused before a byte of the body is read.
      const declared = Number(request.headers["content-length"] ?? 0);
      if (declared > maxBytes + 64 * 1024) throw tooLarge(maxBytes);
      if (!request.isMultipart()) throw badRequest("expected multipart/form-data with conversationId, then file");
      let conversationId: string | undefined;
      for await (const part of request.parts()) {
        if (part.type === "field") {
          if (part.fieldname !== "conversationId") continue;
          const parsed = Uuid.safeParse(part.value);
          if (!parsed.success) throw badRequest("conversationId must be a conversation id");
          // Checked before the file is read: a non-member's bytes are never received.
          // 404 like every other access check: a non-member does not learn the conversation exists.
          if (!(await members.isMember(parsed.data, user.userId))) throw notFound("conversation");
          conversationId = parsed.data;
          continue;
        }
        if (!conversationId) throw badRequest("send the conversationId field before the file");
        const attachment = await uploads.accept(
          { stream: part.file, filename: part.filename, mimetype: part.mimetype },
          { userId: user.userId, conversationId },
        );
        app.metrics.upload("accepted");
        return reply.status(201).send({ attachment });
      }
      throw badRequest("no file in the upload");
    } catch (err) {
      app.metrics.upload((err as { code?: string }).code ?? "error");
      // Refused mid-body: close the connection after the reply instead of reading (and discarding) the rest.
      if (!request.raw.readableEnded) {
        reply.header("connection", "close");
        request.raw.unpipe();
        request.raw.pause();
      }
      throw err;
    }
  });

  /** The one access check for reading: the attachment if the user is a member of its conversation, else 404. */
  async function attachmentFor(request: FastifyRequest): Promise<AttachmentRow> {
    const user = await app.requireUser(request);
    const { id } = Params.parse(request.params);
    const row = Uuid.safeParse(id).success ? await attachments.findForMember(id, user.userId) : null;
    if (!row) throw notFound("attachment");
    return row;
  }

  async function serve(request: FastifyRequest, reply: FastifyReply, which: "media" | "thumbnail" | "original") {
    const row = await attachmentFor(request);
    const key = which === "media" ? row.object_key : which === "original" ? row.original_key : row.thumbnail_key;
    if (!key) {
      if (row.status !== "ready") throw notReady(row.status);
      throw notFound(which);
    }
    // The original is the shown photo at full size: same format.
    const mime = which !== "thumbnail" ? row.mime : row.kind === "video" ? "image/jpeg" : "image/webp";
    // "Download original" saves the file rather than showing it.
    const inline = which === "thumbnail" || (which === "media" && row.kind !== "file");
    const contentDisposition = disposition(inline ? "inline" : "attachment", row.name);
    const { redirect } = Query.parse(request.query);
    const wantsRedirect = redirect ? redirect === "1" || redirect === "true" : config.urlMode === "redirect";
    if (wantsRedirect) {
      // ASCII-only name here: s3rver canonicalises ' * ( ) ! differently from minio-js (a signature mismatch).
      const safe = row.name.replace(/[^A-Za-z0-9._ -]/g, "_");
      const url = await app.storage.presignGet(key, config.presignTtlSeconds, {
        contentType: mime,
        disposition: `${inline ? "inline" : "attachment"}; filename="${safe}"`,
      });
      return reply.header("cache-control", "no-store").redirect(url, 302);
    }

    const size = which === "media" ? Number(row.size) : await app.storage.size(key);
    const etag = `"${row.id}-${which}-${size}"`;
    reply
      .header("content-type", mime)
      .header("content-disposition", contentDisposition)
      .header("accept-ranges", "bytes")
      .header("etag", etag)
      // Members only, and membership can end: a private cache for a few minutes, never a shared one.
      .header("cache-control", "private, max-age=300")
      .header("x-content-type-options", "nosniff")
      .header("content-security-policy", "default-src 'none'; sandbox");
    if (request.headers["if-none-match"] === etag) return reply.status(304).send();
    const range = parseRange(request.headers.range, size);
    if (range === "unsatisfiable") {
      return reply.status(416).header("content-range", `bytes */${size}`).send();
    }
    if (range) {
      reply
        .status(206)
        .header("content-range", `bytes ${range.start}-${range.end}/${size}`)
        .header("content-length", range.end - range.start + 1);
      return reply.send(await app.storage.get(key, range));
    }
    reply.header("content-length", size);
    return reply.send(await app.storage.get(key));
  }

  /** The attachment's current state (e.g. to refresh a `processing` video without a socket). */
  app.get("/api/media/:id/info", async (request) => ({ attachment: toAttachment(await attachmentFor(request)) }));
  app.get("/api/media/:id", (request, reply) => serve(request, reply, "media"));
  app.get("/api/media/:id/thumbnail", (request, reply) => serve(request, reply, "thumbnail"));
  app.get("/api/media/:id/original", (request, reply) => serve(request, reply, "original"));
}
