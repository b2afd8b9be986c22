// The production coturn config (coturn/turnserver.conf, every denied-peer-ip line as shipped) run by a
// real turnserver on loopback: a small TURN client allocates relays and asks for permissions. A permission
// sends nothing to the peer, so coturn's relay decision is seen without any traffic to a public address.
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { after, before, describe, test } from "node:test";
import {
  productionTurnTemplate,
  startTurnServer,
  type TestTurnServer,
  type TurnClient,
  turnClient,
} from "@messenger/common/testing";

// Ranges a relay must never reach (IANA special-purpose registries), as [first, last] — written out
// here rather than read from the config, so a wrong line in the config fails the test.
const REFUSED_V4: [string, string, string][] = [
  ["this network", "0.0.0.0", "0.255.255.255"],
  ["private 10/8", "10.0.0.0", "10.255.255.255"],
  ["CGNAT", "100.64.0.0", "100.127.255.255"],
  ["loopback", "127.0.0.1", "127.255.255.255"],
  ["link-local", "169.254.0.0", "169.254.255.255"],
  ["private 172.16/12", "172.16.0.0", "172.31.255.255"],
  ["IETF protocol assignments", "192.0.0.0", "192.0.0.255"],
  ["documentation TEST-NET-1", "192.0.2.0", "192.0.2.255"],
  ["6to4 relay", "192.88.99.0", "192.88.99.255"],
  ["private 192.168/16", "192.168.0.0", "192.168.255.255"],
  ["benchmarking", "198.18.0.0", "198.19.255.255"],
  ["documentation TEST-NET-2", "198.51.100.0", "198.51.100.255"],
  ["documentation TEST-NET-3", "203.0.113.0", "203.0.113.255"],
  ["multicast", "224.0.0.0", "239.255.255.255"],
  ["reserved and broadcast", "240.0.0.0", "255.255.255.255"],
];
const REFUSED_V6: [string, string, string][] = [
  ["unspecified and loopback", "::", "::1"],
  ["IPv4-compatible", "::2", "::ffff:ffff"],
  ["IPv4-mapped (a private address)", "::ffff:a00:1", "::ffff:c0a8:101"],
  ["IPv4-mapped (a public address)", "::ffff:808:808", "::ffff:ffff:ffff"],
  ["NAT64", "64:ff9b::", "64:ff9b::ffff:ffff"],
  ["local NAT64", "64:ff9b:1::", "64:ff9b:1:ffff:ffff:ffff:ffff:ffff"],
  ["discard-only", "100::", "100::ffff:ffff:ffff:ffff"],
  ["IETF protocol assignments, Teredo", "2001::", "2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff"],
  ["documentation", "2001:db8::", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"],
  ["6to4", "2002::", "2002:ffff:ffff:ffff:ffff:ffff:ffff:ffff"],
  ["documentation 3fff::/20", "3fff::", "3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff"],
  ["unique local", "fc00::", "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"],
  ["link-local", "fe80::", "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff"],
  ["multicast", "ff00::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"],
];
// Public unicast addresses, including the neighbours of refused ranges (never contacted).
const PUBLIC_V4 = ["1.0.0.0", "8.8.8.8", "9.255.255.255", "11.0.0.0", "100.63.255.255", "100.128.0.0", "172.32.0.1"];
const PUBLIC_V6 = ["2001:4860:4860::8888", "2001:200::1", "2a00:1450:4001::1", "2606:4700:4700::1111", "3fff:1000::1"];

let turn: TestTurnServer;
let v4: TurnClient;
let v6: TurnClient;

before(async () => {
  turn = await startTurnServer({ configTemplate: await productionTurnTemplate() });
  const username = `${Math.floor(Date.now() / 1000) + 600}:coturn-test`;
  const password = createHmac("sha1", turn.secret).update(username).digest("base64");
  // A browser gets an IPv4 and an IPv6 relay: permissions are per relay family.
  v4 = turnClient(turn, username, password);
  v6 = turnClient(turn, username, password);
  await v4.allocate(4);
  await v6.allocate(6);
});

after(async () => {
  v4?.close();
  v6?.close();
  await turn?.stop();
});

describe("the production coturn config", () => {
  test("relays to public IPv4 peers", async () => {
    for (const ip of PUBLIC_V4)
      assert.deepEqual(await v4.permit(ip), { ok: true, code: undefined, reason: undefined }, ip);
  });

  test("relays to public IPv6 peers", async () => {
    for (const ip of PUBLIC_V6)
      assert.deepEqual(await v6.permit(ip), { ok: true, code: undefined, reason: undefined }, ip);
  });

  test("refuses private, loopback, link-local, CGNAT, documentation and other special IPv4 ranges", async () => {
    for (const [name, first, last] of REFUSED_V4) {
      for (const ip of [first, last]) {
        const got = await v4.permit(ip);
        assert.equal(got.code, 403, `${name}: ${ip} → ${JSON.stringify(got)}`);
      }
    }
  });

  test("refuses the special IPv6 ranges, and IPv4 addresses in IPv6 clothing", async () => {
    for (const [name, first, last] of REFUSED_V6) {
      for (const ip of [first, last]) {
        const got = await v6.permit(ip);
        assert.equal(got.code, 403, `${name}: ${ip} → ${JSON.stringify(got)}`);
      }
    }
    assert.match(turn.log(), /Forbidden IP/);
  });
});
