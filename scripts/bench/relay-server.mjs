// The floor of the stack: a plain socket.io server that relays "message:send" to the sender's room as
// "message:new" and acks — no authentication check, no validation, no database. Same events and payload
// shape as chat-service, so the delivery benchmark drives both with identical clients.
import { randomUUID } from "node:crypto";
import http from "node:http";
import { Server } from "socket.io";

const server = http.createServer((req, res) => {
  if (req.url === "/healthz") res.writeHead(200, { "content-type": "application/json" }).end('{"status":"ok"}');
});
const io = new Server(server, { serveClient: false });
const seqs = new Map();

io.on("connection", (socket) => {
  const room = String(socket.handshake.auth.room ?? "");
  socket.join(room);
  socket.on("message:send", (p, ack) => {
    const seq = (seqs.get(p.conversationId) ?? 0) + 1;
    seqs.set(p.conversationId, seq);
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
    socket.to(room).emit("message:new", message);
    if (typeof ack === "function") ack({ ok: true, message });
  });
});

server.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? "127.0.0.1");
for (const sig of ["SIGTERM", "SIGINT"]) process.on(sig, () => io.close(() => process.exit(0)));
