import assert from "node:assert/strict";
import {
  attribute,
  defaultRouteBody,
  linkUpBody,
  message,
  newAddressBody,
  newVethBody,
  parseAnswers,
} from "../sys/netlink.ts";

const concat = (parts: Uint8Array[]) => new Uint8Array(parts.flatMap((part) => [...part]));
const hex = (bytes: Uint8Array) =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

Deno.test("attribute() pads to 4 bytes and records the unpadded length", () => {
  assert.equal(hex(attribute(3, new TextEncoder().encode("lo\0"))), "070003006c6f0000");
});

Deno.test("message() writes the netlink header: length, type, flags, sequence", () => {
  const bytes = message(16, 0x605, 7, [new Uint8Array(16)]);
  assert.equal(bytes.length, 32);
  assert.equal(hex(bytes.subarray(0, 16)), "20000000" + "1000" + "0506" + "07000000" + "00000000");
});

Deno.test("newVethBody() nests the peer (name, namespace fd) in IFLA_LINKINFO / IFLA_INFO_DATA", () => {
  const body = concat(newVethBody("veth1", "eth0", 9, new Uint8Array([2, 0x42, 10, 0, 0, 2])));
  const text = hex(body);
  // ifinfomsg, then IFLA_IFNAME "veth1".
  assert.equal(text.slice(0, 32), "0".repeat(32));
  assert.equal(text.slice(32, 56), "0a000300" + hex(new TextEncoder().encode("veth1\0")) + "0000");
  // IFLA_LINKINFO (18 | NLA_F_NESTED) holds IFLA_INFO_KIND "veth".
  assert.equal(text.slice(60, 64), "1280");
  assert.ok(text.includes("0900010076657468" + "00000000"));
  // The peer: VETH_INFO_PEER with an ifinfomsg, IFLA_IFNAME "eth0", IFLA_ADDRESS and
  // IFLA_NET_NS_FD 9.
  assert.ok(
    text.includes(
      "0900030065746830" + "00000000" + "0a000100" + "02420a000002" + "0000" + "08001c0009000000",
    ),
  );
});

Deno.test("linkUpBody() sets IFF_UP in flags and change, with IFLA_MASTER when attached", () => {
  assert.equal(hex(concat(linkUpBody(5))), "00000000" + "05000000" + "01000000" + "01000000");
  assert.equal(hex(concat(linkUpBody(5, 3))).slice(32), "08000a0003000000");
});

Deno.test("newAddressBody() and defaultRouteBody() encode IPv4 addresses in network order", () => {
  const address = hex(concat(newAddressBody(4, "172.17.0.2", 16, "172.17.255.255")));
  assert.equal(address.slice(0, 16), "02100000" + "04000000");
  assert.ok(address.includes("08000200ac110002"));
  assert.ok(address.includes("08000400ac11ffff"));
  const route = hex(concat(defaultRouteBody("172.17.0.1")));
  assert.equal(route, "02000000fe030001" + "00000000" + "08000500ac110001");
});

Deno.test("parseAnswers() reads acks, errors and links", () => {
  const ack = message(2, 0, 4, [new Uint8Array([0, 0, 0, 0])]);
  const error = message(2, 0, 5, [new Uint8Array([0xef, 0xff, 0xff, 0xff])]); // -17
  const link = message(16, 0, 6, [
    new Uint8Array([0, 0, 0, 0, 7, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]),
  ]);
  assert.deepEqual(parseAnswers(concat([ack, error, link])), [
    { sequence: 4, error: 0 },
    { sequence: 5, error: 17 },
    { sequence: 6, link: { index: 7, up: true } },
  ]);
});
