// The floor of the stack: a plain socket.io server that relays "message:send" to the conversation's room
// as "message:new" and acks — no authentication check, no validation, no database. Same events and
// payload shape as chat-service, so the delivery benchmark drives both with identical clients.
// It also carries the least traffic the client's receipts and typing need: each `conversation:delivered`
// / `conversation:read` goes to the sender of the message it acknowledges only (what the sender's ticks
// need), and `typing` to the rest of the room.
import { randomUUID } from "node:crypto";
import http from "node:http";
import { Server } from "socket.io";

const server = http.createServer((req, res) => {
  if (req.url === "/healthz") res.writeHead(200, { "content-type": "application/json" }).end('{"status":"ok"}');
});
const io = new Server(server, { serveClient: false });
const seqs = new Map();
/** conversationId → seq → the sending socket, for the last SENDERS_KEPT messages of each conversation. */
const senders = new Map();
const SENDERS_KEPT = 2000;

io.on("connection", (socket) => {
  const { room, rooms } = socket.handshake.auth;
  socket.join(Array.isArray(rooms) ? rooms.map(String) : [String(room ?? "")]);
  socket.on("message:send", (p, ack) => {
    const seq = (seqs.get(p.conversationId) ?? 0) + 1;
    seqs.set(p.conversationId, seq);
    const bySeq = senders.get(p.conversationId) ?? new Map();
    senders.set(p.conversationId, bySeq);
    bySeq.set(seq, socket.id);
    bySeq.delete(seq - SENDERS_KEPT);
    const message = {
      id: randomUUID(),
      conversationId: p.conversationId,
      seq,
      senderId: socket.id,
      clientId: p.clientId,
      kind: "text",
      body: p.body,
      replyToId: null,
      attachments: [],
      reactions: [],
      createdAt: new Date().toJSON(),
      editedAt: null,
      deletedAt: null,
    };
    socket.to(p.conversationId).emit("message:new", message);
    if (typeof ack === "function") ack({ ok: true, message });
  });
  for (const [event, kind] of [
    ["conversation:delivered", "delivered"],
    ["conversation:read", "read"],
  ]) {
    socket.on(event, (p, ack) => {
      const sender = senders.get(p.conversationId)?.get(p.seq);
      if (sender && sender !== socket.id)
        io.to(sender).emit("receipt", { conversationId: p.conversationId, userId: socket.id, kind, seq: p.seq });
      if (typeof ack === "function") ack({ ok: true });
    });
  }
  socket.on("typing", (p, ack) => {
    socket
      .to(p.conversationId)
      .emit("typing", { conversationId: p.conversationId, userId: socket.id, typing: p.typing });
    if (typeof ack === "function") ack({ ok: true });
  });
});

server.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? "127.0.0.1");
for (const sig of ["SIGTERM", "SIGINT"]) process.on(sig, () => io.close(() => process.exit(0)));
