// End to end with the real chat-service: a member's socket learns that a video finished processing.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { buildApp as buildChat, loadConfig as loadChatConfig } from "@messenger/chat-service";
import type { Ack, Message } from "@messenger/protocol";
import type { FastifyInstance } from "fastify";
import { io, type Socket } from "socket.io-client";
import { type Harness, JWT_SECRET, startHarness, upload } from "./helpers.js";

const run = promisify(execFile);
let h: Harness;
let chat: FastifyInstance;
let chatUrl: string;
const sockets: Socket[] = [];

before(async () => {
  // Uploads are taken by an instance without a worker; a second instance (started later) transcodes.
  h = await startHarness({ VIDEO_WORKER: false });
  chat = await buildChat(
    loadChatConfig({ DATABASE_URL: h.database.url, JWT_SECRET, NODE_ENV: "test", LOG_LEVEL: "silent" }),
  );
  await chat.listen({ port: 0, host: "127.0.0.1" });
  chatUrl = `http://127.0.0.1:${(chat.server.address() as { port: number }).port}`;
  await chat.attachmentListener.listening();
});
after(async () => {
  for (const s of sockets) s.disconnect();
  await chat.close();
  await h.close();
});

async function connect(token: string): Promise<Socket> {
  const s = io(chatUrl, { auth: { token }, transports: ["websocket"], reconnection: false, forceNew: true });
  sockets.push(s);
  await new Promise<void>((resolve, reject) => {
    s.once("connect", () => resolve());
    s.once("connect_error", reject);
  });
  return s;
}

test("a connected member's socket receives message:updated when the video in a sent message is ready", async () => {
  const source = join(h.tmpDir, "fixture-clip.webm");
  await run("ffmpeg", [
    ...["-hide_banner", "-loglevel", "error", "-y"],
    ...["-f", "lavfi", "-i", "testsrc=size=320x240:rate=25:duration=4"],
    ...["-f", "lavfi", "-i", "sine=frequency=440:duration=4"],
    ...["-c:v", "libvpx", "-deadline", "realtime", "-b:v", "300k", "-c:a", "libvorbis", "-shortest", source],
  ]);
  const [alice, bob] = await Promise.all([connect(h.users.alice.token), connect(h.users.bob.token)]);

  const res = await upload(h, h.users.alice.token, await readFile(source), "demo.webm", { type: "video/webm" });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  const attachment = res.body.attachment!;
  assert.equal(attachment.status, "processing");

  const sent = await new Promise<Ack<{ message: Message }>>((resolve) =>
    alice.emit(
      "message:send",
      { conversationId: h.conversationId, clientId: randomUUID(), body: "demo", attachmentIds: [attachment.id] },
      resolve,
    ),
  );
  assert.ok(sent.ok, JSON.stringify(sent));
  assert.equal(sent.message.attachments[0]?.status, "processing");

  const updated = new Promise<Message>((resolve) =>
    bob.on("message:updated", (m: Message) => {
      if (m.id === sent.message.id) resolve(m);
    }),
  );
  await h.startApp({ VIDEO_WORKER: true }); // the worker picks the queued job up
  const m = await updated;
  const a = m.attachments[0]!;
  assert.equal(a.id, attachment.id);
  assert.equal(a.status, "ready");
  assert.equal(a.mime, "video/mp4");
  assert.equal(a.name, "demo.mp4");
  assert.ok(a.thumbnailUrl);
  assert.ok(Math.abs((a.durationMs ?? 0) - 4_000) < 300);
});
