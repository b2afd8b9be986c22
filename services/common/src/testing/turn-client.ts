import { createHash, createHmac, randomBytes } from "node:crypto";
import { createSocket, type Socket } from "node:dgram";
import { isIPv4 } from "node:net";

// A minimal TURN client (RFC 5766/8656) over UDP: enough to ask a real turnserver for an allocation and
// for permissions, i.e. to see coturn's own peer-address decision without relaying a single packet.

const MAGIC = 0x2112a442;
const ATTR = {
  USERNAME: 0x0006,
  MESSAGE_INTEGRITY: 0x0008,
  ERROR_CODE: 0x0009,
  XOR_PEER_ADDRESS: 0x0012,
  REALM: 0x0014,
  NONCE: 0x0015,
  REQUESTED_ADDRESS_FAMILY: 0x0017,
  REQUESTED_TRANSPORT: 0x0019,
} as const;
const ALLOCATE = 0x0003;
const CREATE_PERMISSION = 0x0008;

interface Reply {
  success: boolean;
  code?: number;
  reason?: string;
  attrs: Map<number, Buffer>;
}

function attribute(type: number, value: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt16BE(type, 0);
  head.writeUInt16BE(value.length, 2);
  return Buffer.concat([head, value, Buffer.alloc((4 - (value.length % 4)) % 4)]);
}

function xorPeerAddress(ip: string, port: number, tid: Buffer): Buffer {
  const v4 = isIPv4(ip);
  const value = Buffer.alloc(v4 ? 8 : 20);
  value.writeUInt8(v4 ? 1 : 2, 1);
  value.writeUInt16BE(port ^ (MAGIC >>> 16), 2);
  const raw = v4 ? Buffer.from(ip.split(".").map(Number)) : ipv6Bytes(ip);
  const mask = Buffer.concat([Buffer.from([0x21, 0x12, 0xa4, 0x42]), tid]);
  for (let i = 0; i < raw.length; i++) value[4 + i] = raw[i]! ^ mask[i]!;
  return value;
}

function ipv6Bytes(ip: string): Buffer {
  const [head, tail] = ip.split("::") as [string, string | undefined];
  const parts = (s: string | undefined) => (s ? s.split(":") : []);
  const groups = [...parts(head)];
  if (tail !== undefined) {
    const rest = parts(tail);
    groups.push(...Array(8 - groups.length - rest.length).fill("0"), ...rest);
  }
  const out = Buffer.alloc(16);
  for (const [i, g] of groups.entries()) out.writeUInt16BE(Number.parseInt(g, 16), i * 2);
  return out;
}

function parse(msg: Buffer): Reply {
  const type = msg.readUInt16BE(0);
  const attrs = new Map<number, Buffer>();
  for (let at = 20; at + 4 <= msg.length; ) {
    const t = msg.readUInt16BE(at);
    const len = msg.readUInt16BE(at + 2);
    attrs.set(t, msg.subarray(at + 4, at + 4 + len));
    at += 4 + len + ((4 - (len % 4)) % 4);
  }
  const err = attrs.get(ATTR.ERROR_CODE);
  return {
    success: (type & 0x0110) === 0x0100,
    code: err ? err[2]! * 100 + err[3]! : undefined,
    reason: err ? err.subarray(4).toString() : undefined,
    attrs,
  };
}

export interface TurnClient {
  /** Allocates a UDP relay of the given family; throws unless the server grants it. */
  allocate(family: 4 | 6): Promise<void>;
  /** CreatePermission for a peer: the server's answer (no packet goes to the peer). */
  permit(peerIp: string): Promise<{ ok: boolean; code?: number; reason?: string }>;
  close(): void;
}

/** One allocation per client (as in a browser's ICE agent), authenticated with TURN REST credentials. */
export function turnClient(server: { host: string; port: number }, username: string, password: string): TurnClient {
  const socket: Socket = createSocket("udp4");
  let realm = "";
  let nonce = "";
  const pending = new Map<string, (r: Reply) => void>();
  socket.on("message", (msg) => {
    if (msg.length < 20 || msg.readUInt32BE(4) !== MAGIC) return;
    pending.get(msg.subarray(8, 20).toString("hex"))?.(parse(msg));
  });

  /** One transaction; `attrs` gets the transaction id (XOR-PEER-ADDRESS of IPv6 peers is XORed with it). */
  const transact = (method: number, attrs: (tid: Buffer) => Buffer[], signed: boolean, timeoutMs = 5000) => {
    const tid = randomBytes(12);
    const header = Buffer.alloc(20);
    header.writeUInt16BE(method, 0);
    header.writeUInt32BE(MAGIC, 4);
    tid.copy(header, 8);
    const auth = signed
      ? [
          attribute(ATTR.USERNAME, Buffer.from(username)),
          attribute(ATTR.REALM, Buffer.from(realm)),
          attribute(ATTR.NONCE, Buffer.from(nonce)),
        ]
      : [];
    const body = Buffer.concat([...attrs(tid), ...auth]);
    header.writeUInt16BE(body.length + (signed ? 24 : 0), 2);
    let packet = Buffer.concat([header, body]);
    if (signed) {
      const key = createHash("md5").update(`${username}:${realm}:${password}`).digest();
      packet = Buffer.concat([
        packet,
        attribute(ATTR.MESSAGE_INTEGRITY, createHmac("sha1", key).update(packet).digest()),
      ]);
    }
    return new Promise<Reply>((resolve, reject) => {
      const id = tid.toString("hex");
      const send = () => socket.send(packet, server.port, server.host);
      // UDP is lossy: retransmit until answered (as RFC 5389 clients do), within a bound.
      const resend = setInterval(send, 100);
      const timer = setTimeout(() => {
        clearInterval(resend);
        pending.delete(id);
        reject(new Error(`no TURN answer within ${timeoutMs} ms`));
      }, timeoutMs);
      pending.set(id, (reply) => {
        clearInterval(resend);
        clearTimeout(timer);
        pending.delete(id);
        resolve(reply);
      });
      send();
    });
  };

  return {
    async allocate(family) {
      const attrs = () => [
        attribute(ATTR.REQUESTED_TRANSPORT, Buffer.from([17, 0, 0, 0])),
        attribute(ATTR.REQUESTED_ADDRESS_FAMILY, Buffer.from([family === 4 ? 1 : 2, 0, 0, 0])),
      ];
      // The first request is unauthenticated: its 401 carries the realm and nonce to sign with.
      const challenge = await transact(ALLOCATE, attrs, false);
      if (challenge.code !== 401) throw new Error(`expected 401, got ${challenge.code} ${challenge.reason}`);
      realm = challenge.attrs.get(ATTR.REALM)?.toString() ?? "";
      nonce = challenge.attrs.get(ATTR.NONCE)?.toString() ?? "";
      const reply = await transact(ALLOCATE, attrs, true);
      if (!reply.success) throw new Error(`allocation refused: ${reply.code} ${reply.reason}`);
    },
    async permit(peerIp) {
      const reply = await transact(
        CREATE_PERMISSION,
        (tid) => [attribute(ATTR.XOR_PEER_ADDRESS, xorPeerAddress(peerIp, 0, tid))],
        true,
      );
      return { ok: reply.success, code: reply.code, reason: reply.reason };
    },
    close: () => socket.close(),
  };
}
