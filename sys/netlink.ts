/**
 * rtnetlink (NETLINK_ROUTE): the kernel calls that make a container's network without running
 * `ip`: links (a bridge, a veth pair whose peer is created in another network namespace),
 * their master and state, IPv4 addresses and routes. The messages are built by pure functions
 * (unit-tested byte for byte); {@linkcode RouteSocket} sends them and reads the kernel's answer.
 * A netlink socket acts on the network namespace of the thread that opened it.
 *
 * @module
 */

import { check, libc, SyscallError } from "./ffi.ts";
import { close } from "./fs.ts";
import { Errno } from "./errno.ts";

const AF_NETLINK = 16;
const AF_INET = 2;
const AF_UNSPEC = 0;
const SOCK_RAW = 3;
const SOCK_CLOEXEC = 0o2000000;
const NETLINK_ROUTE = 0;

/** Netlink message types used here. */
export const RtmType = {
  NEWLINK: 16,
  DELLINK: 17,
  GETLINK: 18,
  NEWADDR: 20,
  NEWROUTE: 24,
} as const;

const NLMSG_ERROR = 2;
const NLMSG_DONE = 3;

/** Netlink header flags. */
export const NlmFlag = {
  REQUEST: 0x1,
  ACK: 0x4,
  EXCL: 0x200,
  CREATE: 0x400,
} as const;

const IFLA_ADDRESS = 1;
const IFLA_IFNAME = 3;
const IFLA_MASTER = 10;
const IFLA_LINKINFO = 18;
const IFLA_NET_NS_FD = 28;
const IFLA_INFO_KIND = 1;
const IFLA_INFO_DATA = 2;
const VETH_INFO_PEER = 1;
const IFA_LOCAL = 2;
const IFA_ADDRESS = 1;
const IFA_BROADCAST = 4;
const RTA_GATEWAY = 5;
const NLA_F_NESTED = 0x8000;
const IFF_UP = 0x1;
const RT_TABLE_MAIN = 254;
const RTPROT_BOOT = 3;
const RTN_UNICAST = 1;
const HEADER_BYTES = 16;
const IFINFOMSG_BYTES = 16;

const encoder = new TextEncoder();

/** One netlink attribute: its type and payload (nested attributes are encoded payloads). */
export function attribute(type: number, payload: Uint8Array): Uint8Array<ArrayBuffer> {
  const length = 4 + payload.length;
  const bytes = new Uint8Array(align(length));
  const view = new DataView(bytes.buffer);
  view.setUint16(0, length, true);
  view.setUint16(2, type, true);
  bytes.set(payload, 4);
  return bytes;
}

function align(length: number): number {
  return (length + 3) & ~3;
}

function concat(parts: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.length;
  }
  return bytes;
}

function stringAttribute(type: number, value: string): Uint8Array<ArrayBuffer> {
  return attribute(type, encoder.encode(`${value}\0`));
}

function u32Attribute(type: number, value: number): Uint8Array<ArrayBuffer> {
  const payload = new Uint8Array(4);
  new DataView(payload.buffer).setUint32(0, value, true);
  return attribute(type, payload);
}

function nested(type: number, parts: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  return attribute(type | NLA_F_NESTED, concat(parts));
}

/** A whole netlink message: the header (length, type, flags, sequence) and its body. */
export function message(
  type: number,
  flags: number,
  sequence: number,
  body: readonly Uint8Array[],
): Uint8Array<ArrayBuffer> {
  const payload = concat(body);
  const bytes = new Uint8Array(HEADER_BYTES + payload.length);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, bytes.length, true);
  view.setUint16(4, type, true);
  view.setUint16(6, flags, true);
  view.setUint32(8, sequence, true);
  bytes.set(payload, HEADER_BYTES);
  return bytes;
}

/** A `struct ifinfomsg`: the link `index` (0 for a new one), its flags and which change. */
export function ifinfomsg(index = 0, flags = 0, change = 0): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(IFINFOMSG_BYTES);
  const view = new DataView(bytes.buffer);
  view.setUint8(0, AF_UNSPEC);
  view.setInt32(4, index, true);
  view.setUint32(8, flags, true);
  view.setUint32(12, change, true);
  return bytes;
}

/** The body of RTM_NEWLINK that creates bridge `name`. */
export function newBridgeBody(name: string): Uint8Array[] {
  return [
    ifinfomsg(),
    stringAttribute(IFLA_IFNAME, name),
    nested(IFLA_LINKINFO, [stringAttribute(IFLA_INFO_KIND, "bridge")]),
  ];
}

/**
 * The body of RTM_NEWLINK that creates veth pair `name` / `peer`, the peer made directly in the
 * network namespace open at descriptor `peerNamespace`, with MAC address `peerMac` (6 bytes).
 */
export function newVethBody(
  name: string,
  peer: string,
  peerNamespace: number,
  peerMac: Uint8Array,
): Uint8Array[] {
  const peerInfo = concat([
    ifinfomsg(),
    stringAttribute(IFLA_IFNAME, peer),
    attribute(IFLA_ADDRESS, peerMac),
    u32Attribute(IFLA_NET_NS_FD, peerNamespace),
  ]);
  return [
    ifinfomsg(),
    stringAttribute(IFLA_IFNAME, name),
    nested(IFLA_LINKINFO, [
      stringAttribute(IFLA_INFO_KIND, "veth"),
      nested(IFLA_INFO_DATA, [attribute(VETH_INFO_PEER, peerInfo)]),
    ]),
  ];
}

/** The body of RTM_NEWLINK that sets link `index` up, and its master when `master` is given. */
export function linkUpBody(index: number, master?: number): Uint8Array[] {
  return [
    ifinfomsg(index, IFF_UP, IFF_UP),
    ...(master === undefined ? [] : [u32Attribute(IFLA_MASTER, master)]),
  ];
}

/** The four bytes of IPv4 address `address` (dotted quad). */
export function ipv4Bytes(address: string): Uint8Array<ArrayBuffer> {
  const parts = address.split(".").map(Number);
  if (parts.length !== 4 || parts.some((part) => !(part >= 0 && part <= 255))) {
    throw new TypeError(`Cannot read IPv4 address "${address}"`);
  }
  return new Uint8Array(parts);
}

/** The body of RTM_NEWADDR that gives link `index` IPv4 `address`/`prefix` and its broadcast. */
export function newAddressBody(
  index: number,
  address: string,
  prefix: number,
  broadcast: string,
): Uint8Array[] {
  const header = new Uint8Array(8);
  const view = new DataView(header.buffer);
  view.setUint8(0, AF_INET);
  view.setUint8(1, prefix);
  view.setUint32(4, index, true);
  return [
    header,
    attribute(IFA_LOCAL, ipv4Bytes(address)),
    attribute(IFA_ADDRESS, ipv4Bytes(address)),
    attribute(IFA_BROADCAST, ipv4Bytes(broadcast)),
  ];
}

/** The body of RTM_NEWROUTE that adds the default IPv4 route via `gateway`. */
export function defaultRouteBody(gateway: string): Uint8Array[] {
  const header = new Uint8Array(12);
  header.set([AF_INET, 0, 0, 0, RT_TABLE_MAIN, RTPROT_BOOT, 0, RTN_UNICAST]);
  return [header, attribute(RTA_GATEWAY, ipv4Bytes(gateway))];
}

/** The body of RTM_GETLINK or RTM_DELLINK naming link `name`. */
export function namedLinkBody(name: string): Uint8Array[] {
  return [ifinfomsg(), stringAttribute(IFLA_IFNAME, name)];
}

/** A link as RTM_GETLINK reports it. */
export interface LinkInfo {
  /** Its interface index. */
  index: number;
  /** Whether it is administratively up. */
  up: boolean;
}

/**
 * Reads the kernel's answers in `bytes`: the error code of an NLMSG_ERROR (0 is an ack), or the
 * link of an RTM_NEWLINK.
 */
export function parseAnswers(
  bytes: Uint8Array,
): { sequence: number; error?: number; link?: LinkInfo }[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const answers = [];
  for (let offset = 0; offset + HEADER_BYTES <= bytes.length;) {
    const length = view.getUint32(offset, true);
    const type = view.getUint16(offset + 4, true);
    const sequence = view.getUint32(offset + 8, true);
    if (type === NLMSG_ERROR) {
      answers.push({ sequence, error: -view.getInt32(offset + HEADER_BYTES, true) | 0 });
    } else if (type === RtmType.NEWLINK) {
      const index = view.getInt32(offset + HEADER_BYTES + 4, true);
      const flags = view.getUint32(offset + HEADER_BYTES + 8, true);
      answers.push({ sequence, link: { index, up: (flags & IFF_UP) !== 0 } });
    } else if (type === NLMSG_DONE) {
      answers.push({ sequence, error: 0 });
    }
    if (length < HEADER_BYTES) break;
    offset += align(length);
  }
  return answers;
}

/** A NETLINK_ROUTE socket of the calling thread's network namespace. */
export class RouteSocket {
  readonly #fd: number;
  #sequence = 0;
  readonly #buffer = new Uint8Array(65536);

  /** Opens the socket (in the calling thread's network namespace). */
  constructor() {
    this.#fd = check(libc().socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE), "socket");
  }

  /**
   * Sends one request and reads its answer; returns the link it reports, if any.
   *
   * @throws {SyscallError} naming `what` with the kernel's errno when the request fails.
   */
  request(
    type: number,
    flags: number,
    body: readonly Uint8Array[],
    what: string,
  ): LinkInfo | undefined {
    const sequence = ++this.#sequence;
    const bytes = message(type, flags | NlmFlag.REQUEST | NlmFlag.ACK, sequence, body);
    check(Number(libc().write(this.#fd, bytes, BigInt(bytes.length))), "netlink send", what);
    let link: LinkInfo | undefined;
    for (;;) {
      const count = check(
        Number(libc().read(this.#fd, this.#buffer, BigInt(this.#buffer.length))),
        "netlink receive",
        what,
      );
      for (const answer of parseAnswers(this.#buffer.subarray(0, count))) {
        if (answer.sequence !== sequence) continue;
        if (answer.link !== undefined) link = answer.link;
        if (answer.error !== undefined) {
          if (answer.error !== 0) throw new SyscallError("netlink", answer.error, what);
          return link;
        }
      }
    }
  }

  /** Link `name`, or undefined when there is none. */
  link(name: string): LinkInfo | undefined {
    try {
      return this.request(RtmType.GETLINK, 0, namedLinkBody(name), `get link "${name}"`);
    } catch (error) {
      if (error instanceof SyscallError && error.errno === Errno.ENODEV) return undefined;
      throw error;
    }
  }

  /** The index of link `name`; throws when there is none. */
  index(name: string): number {
    const found = this.link(name);
    if (found === undefined) throw new SyscallError("netlink", Errno.ENODEV, `get link "${name}"`);
    return found.index;
  }

  /** Creates bridge `name`; nothing when it exists already. */
  createBridge(name: string): void {
    ignoreExisting(() =>
      this.request(
        RtmType.NEWLINK,
        NlmFlag.CREATE | NlmFlag.EXCL,
        newBridgeBody(name),
        `create bridge "${name}"`,
      )
    );
  }

  /**
   * Creates veth pair `name` (here) / `peer` (in the network namespace open at `peerNamespace`,
   * with MAC address `peerMac`).
   */
  createVeth(name: string, peer: string, peerNamespace: number, peerMac: Uint8Array): void {
    this.request(
      RtmType.NEWLINK,
      NlmFlag.CREATE | NlmFlag.EXCL,
      newVethBody(name, peer, peerNamespace, peerMac),
      `create veth "${name}"`,
    );
  }

  /** Sets link `name` up, attached to link `master` when given. */
  setUp(name: string, master?: string): void {
    const index = this.index(name);
    const masterIndex = master === undefined ? undefined : this.index(master);
    this.request(RtmType.NEWLINK, 0, linkUpBody(index, masterIndex), `set link "${name}" up`);
  }

  /** Gives link `name` address `address`/`prefix`; nothing when it has it already. */
  addAddress(name: string, address: string, prefix: number, broadcast: string): void {
    const index = this.index(name);
    ignoreExisting(() =>
      this.request(
        RtmType.NEWADDR,
        NlmFlag.CREATE | NlmFlag.EXCL,
        newAddressBody(index, address, prefix, broadcast),
        `add address ${address}/${prefix} to "${name}"`,
      )
    );
  }

  /** Adds the default route via `gateway`. */
  addDefaultRoute(gateway: string): void {
    this.request(
      RtmType.NEWROUTE,
      NlmFlag.CREATE | NlmFlag.EXCL,
      defaultRouteBody(gateway),
      `add default route via ${gateway}`,
    );
  }

  /** Deletes link `name` (a veth's peer goes with it); nothing when there is none. */
  deleteLink(name: string): void {
    try {
      this.request(RtmType.DELLINK, 0, namedLinkBody(name), `delete link "${name}"`);
    } catch (error) {
      if (error instanceof SyscallError && error.errno === Errno.ENODEV) return;
      throw error;
    }
  }

  /** Closes the socket. */
  close(): void {
    close(this.#fd);
  }
}

function ignoreExisting(action: () => unknown): void {
  try {
    action();
  } catch (error) {
    if (!(error instanceof SyscallError && error.errno === Errno.EEXIST)) throw error;
  }
}
