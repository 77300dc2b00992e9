/**
 * Unix sockets: a socket pair for a spawned process, and descriptors passed over it
 * (SCM_RIGHTS).
 *
 * @module
 */

import { check, encoder, libc } from "./ffi.ts";
import { close, setCloseOnExec } from "./fs.ts";

/** Creates a socket and returns its file descriptor. */
export function socket(domain: number, type: number, protocol: number): number {
  return check(libc().socket(domain, type, protocol), "socket");
}

const AF_UNIX = 1;
const SOCK_STREAM = 1;

/**
 * Creates a connected pair of Unix stream sockets. `local` is close-on-exec; `inheritable` is
 * not, so a process spawned next inherits it (close it here once that process runs).
 */
export function socketPair(): { local: number; inheritable: number } {
  const fds = new Int32Array(2);
  check(libc().socketpair(AF_UNIX, SOCK_STREAM, 0, fds), "socketpair");
  const [local, inheritable] = [fds[0]!, fds[1]!];
  try {
    setCloseOnExec(local);
  } catch (error) {
    close(local);
    close(inheritable);
    throw error;
  }
  return { local, inheritable };
}

const SOL_SOCKET = 1;
const SCM_RIGHTS = 1;
const MSG_CMSG_CLOEXEC = 0x40000000;
const CMSG_LEN_ONE_FD = 20n;

/**
 * One buffer for sendmsg/recvmsg of one byte and one descriptor: a `struct msghdr` at 0, its
 * `struct iovec` at 64, the control message (`CMSG_SPACE(sizeof(int))` = 24 bytes) at 80 with
 * the descriptor at 96, and the data byte at 104. A single buffer keeps every part alive while
 * a call on another thread uses it.
 */
function descriptorMessage(): Uint8Array<ArrayBuffer> {
  const message = new Uint8Array(112);
  const view = new DataView(message.buffer);
  const base = BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(message)));
  view.setBigUint64(16, base + 64n, true); // msg_iov
  view.setBigUint64(24, 1n, true); // msg_iovlen
  view.setBigUint64(32, base + 80n, true); // msg_control
  view.setBigUint64(40, 24n, true); // msg_controllen
  view.setBigUint64(64, base + 104n, true); // iov_base
  view.setBigUint64(72, 1n, true); // iov_len
  return message;
}

/** Sends descriptor `fd` over the Unix socket `socket` (sendmsg with SCM_RIGHTS). */
export function sendDescriptor(socket: number, fd: number): void {
  const message = descriptorMessage();
  const view = new DataView(message.buffer);
  view.setBigUint64(80, CMSG_LEN_ONE_FD, true); // cmsg_len
  view.setInt32(88, SOL_SOCKET, true);
  view.setInt32(92, SCM_RIGHTS, true);
  view.setInt32(96, fd, true);
  check(Number(libc().sendmsg(socket, message, 0)), "sendmsg");
}

/**
 * Receives a descriptor sent with {@linkcode sendDescriptor} over `socket`, close-on-exec,
 * waiting on another thread. Resolves to undefined when the peer closed the socket without
 * sending one; throws when recvmsg fails or the message carries no descriptor.
 */
export async function receiveDescriptor(socket: number): Promise<number | undefined> {
  const message = descriptorMessage();
  const received = Number(await libc().recvmsg(socket, message, MSG_CMSG_CLOEXEC));
  if (received === 0) return undefined;
  const view = new DataView(message.buffer);
  const carriesDescriptor = received > 0 && view.getBigUint64(40, true) >= CMSG_LEN_ONE_FD &&
    view.getInt32(88, true) === SOL_SOCKET && view.getInt32(92, true) === SCM_RIGHTS;
  if (!carriesDescriptor) throw new Error("Cannot receive a descriptor: recvmsg brought none");
  return view.getInt32(96, true);
}

const AF_INET = 2;
const SOCK_DGRAM = 2;
const SOCK_CLOEXEC = 0o2000000;
const SOCKADDR_IN_BYTES = 16;

/**
 * Binds a TCP or UDP socket of the calling thread's network namespace to IPv4 `address`:`port`
 * (0: a free port the kernel picks), to hold that port; returns the socket and the port bound. A
 * TCP socket is bound, not listening: nobody else can bind the port (the socket has no
 * SO_REUSEADDR), and a connection that reaches it rather than its DNAT is refused, never left
 * waiting in a backlog.
 *
 * @throws {SyscallError} when it cannot be bound (EADDRINUSE: something holds the port).
 */
export function bindPort(
  protocol: "tcp" | "udp",
  address: string,
  port: number,
): { fd: number; port: number } {
  const type = (protocol === "tcp" ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC;
  const fd = check(libc().socket(AF_INET, type, 0), "socket");
  try {
    const sockaddr = new Uint8Array(SOCKADDR_IN_BYTES);
    const view = new DataView(sockaddr.buffer);
    view.setUint16(0, AF_INET, true);
    view.setUint16(2, port, false);
    sockaddr.set(address.split(".").map(Number), 4);
    const subject = `${address}:${port}/${protocol}`;
    check(libc().bind(fd, sockaddr, SOCKADDR_IN_BYTES), "bind", subject);
    const length = new Uint32Array([SOCKADDR_IN_BYTES]);
    check(libc().getsockname(fd, sockaddr, length), "getsockname", subject);
    return { fd, port: view.getUint16(2, false) };
  } catch (error) {
    close(fd);
    throw error;
  }
}

const SOCKADDR_UN_BYTES = 110;

/**
 * Connects a new Unix stream socket (close-on-exec) to the socket file at `path` and returns
 * it (as a console socket is reached).
 *
 * @throws {SyscallError} when it cannot be reached.
 */
export function connectUnix(path: string): number {
  const name = encoder.encode(path);
  if (name.length >= SOCKADDR_UN_BYTES - 2) throw new RangeError(`Socket path too long: "${path}"`);
  const fd = check(libc().socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), "socket");
  try {
    const sockaddr = new Uint8Array(SOCKADDR_UN_BYTES);
    new DataView(sockaddr.buffer).setUint16(0, AF_UNIX, true);
    sockaddr.set(name, 2);
    check(libc().connect(fd, sockaddr, SOCKADDR_UN_BYTES), "connect", JSON.stringify(path));
    return fd;
  } catch (error) {
    close(fd);
    throw error;
  }
}
