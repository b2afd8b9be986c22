import { type LookupAddress, lookup } from "node:dns";
import https from "node:https";
import { BlockList, isIP } from "node:net";
import { badRequest } from "../errors.js";

// A push endpoint is a URL a browser gave us and the server will POST to: unchecked, it would let
// anyone make the server send requests into its own network. Endpoints must be https on a public
// address, checked when subscribing (the name) and again when connecting (what the name resolves to).
const privateRanges = new BlockList();
for (const [net, bits] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["224.0.0.0", 3],
] as const)
  privateRanges.addSubnet(net, bits, "ipv4");
for (const [net, bits] of [
  ["::", 127],
  ["fc00::", 7],
  ["fe80::", 10],
  ["ff00::", 8],
] as const)
  privateRanges.addSubnet(net, bits, "ipv6");

/** Loopback, private, link-local, carrier-grade NAT, multicast or unspecified. */
export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return privateRanges.check(mapped[1]!, "ipv4");
  const family = isIP(address);
  if (family === 4) return privateRanges.check(address, "ipv4");
  if (family === 6) return privateRanges.check(address, "ipv6");
  return false;
}

/** Refuses (400) an endpoint the server must not POST to; returns it normalised. */
export function checkEndpoint(endpoint: string, allowPrivate: boolean): string {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw badRequest("endpoint: not a URL");
  }
  if (url.protocol !== "https:") throw badRequest("endpoint: push services are reached over https");
  if (url.username || url.password) throw badRequest("endpoint: no credentials in the URL");
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (!allowPrivate && (host === "localhost" || host.endsWith(".localhost") || isPrivateAddress(host))) {
    throw badRequest("endpoint: push services are on public addresses");
  }
  return url.href;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** dns.lookup that refuses names resolving to private addresses (DNS rebinding after the check above). */
function publicLookup(hostname: string, options: object, callback: LookupCallback) {
  lookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, []);
    const usable = addresses.filter((a) => !isPrivateAddress(a.address));
    if (!usable.length) {
      const refused = Object.assign(new Error(`push endpoint ${hostname} resolves to a private address`), {
        code: "EPRIVATE",
      });
      return callback(refused, []);
    }
    if ((options as { all?: boolean }).all) return callback(null, usable);
    callback(null, usable[0]!.address, usable[0]!.family);
  });
}

/** The connection pool to push services: kept alive, at most `maxSockets` per push service. */
export function pushAgent(opts: { maxSockets: number; allowPrivate: boolean }): https.Agent {
  return new https.Agent({
    keepAlive: true,
    maxSockets: opts.maxSockets,
    ...(opts.allowPrivate ? {} : { lookup: publicLookup as never }),
  });
}
