/**
 * `attach` and `start -a` to a detached container with a terminal, client side: connects to the
 * attach socket its monitor serves, copies what it sends to stdout, and (with stdin attached)
 * what is typed to it, the host terminal raw meanwhile, until the run ends or the detach keys
 * are typed. Window sizes follow the host terminal's.
 *
 * @module
 */

import {
  cfmakeraw,
  getWindowSize,
  isatty,
  readAsync,
  tcgetattr,
  tcsetattr,
  writeAllAsync,
} from "../../sys/pty.ts";
import {
  encodeFrame,
  FrameType,
  HELLO_ACK,
  HELLO_REPLAY,
  resizeFrame,
} from "../spec/attach_frames.ts";
import { DetachKeyMatcher } from "../spec/detach_keys.ts";
import { withShortSocketPath } from "./attach_socket.ts";

const STDIN = 0;
const STDOUT = 1;
const BUFFER_BYTES = 65536;

/** How an attachment ended. */
export type AttachEnd =
  /** The run ended (the monitor disconnected). */
  | "ended"
  /** The user typed the detach keys; the container runs on. */
  | "detached"
  /** No monitor listens: the container has ended already. */
  | "unreachable";

/** Options of {@linkcode attachTerminal}. */
export interface TerminalAttachOptions {
  /** Forward stdin to the container's terminal (raw, when stdin is a terminal). */
  stdin: boolean;
  /** The detach keys' bytes (empty: none). */
  detachKeys: Uint8Array;
  /** Show the run's output so far first (`start -a`, which started the run). */
  replay: boolean;
}

/** Connects to the attach socket of container directory `dir`, or returns undefined. */
async function connect(dir: string): Promise<Deno.UnixConn | undefined> {
  try {
    return await withShortSocketPath(dir, (path) => Deno.connect({ transport: "unix", path }));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    if (error instanceof Deno.errors.ConnectionRefused) return undefined;
    throw error;
  }
}

/** Writes all of `bytes` to `conn`; false when it is closed. */
async function send(conn: Deno.UnixConn, bytes: Uint8Array): Promise<boolean> {
  try {
    for (let written = 0; written < bytes.length;) {
      written += await conn.write(bytes.subarray(written));
    }
    return true;
  } catch {
    return false;
  }
}

/** Attaches to the terminal of the container whose directory is `dir`; says how it ended. */
export async function attachTerminal(
  dir: string,
  options: TerminalAttachOptions,
): Promise<AttachEnd> {
  const conn = await connect(dir);
  if (conn === undefined) return "unreachable";
  const sizeSource = [STDOUT, STDIN].find(isatty);
  const resize = () => {
    if (sizeSource === undefined) return;
    const { rows, columns } = getWindowSize(sizeSource);
    send(conn, resizeFrame(rows, columns));
  };
  let saved: Uint8Array<ArrayBuffer> | undefined;
  try {
    await send(
      conn,
      encodeFrame(FrameType.HELLO, Uint8Array.of(options.replay ? HELLO_REPLAY : 0)),
    );
    Deno.addSignalListener("SIGWINCH", resize);
    resize();
    if (options.stdin && isatty(STDIN)) {
      saved = tcgetattr(STDIN);
      tcsetattr(STDIN, cfmakeraw(saved));
    }
    const ends: Promise<AttachEnd>[] = [copyOutput(conn)];
    if (options.stdin) ends.push(forwardInput(conn, new DetachKeyMatcher(options.detachKeys)));
    return await Promise.race(ends);
  } finally {
    Deno.removeSignalListener("SIGWINCH", resize);
    if (saved !== undefined) tcsetattr(STDIN, saved);
    try {
      conn.close();
    } catch {
      // Closed by the monitor's end already.
    }
  }
}

/**
 * Copies what the monitor sends, after its {@linkcode HELLO_ACK}, to stdout until it disconnects;
 * "unreachable" when it disconnects without an answer (it was ending).
 */
async function copyOutput(conn: Deno.UnixConn): Promise<AttachEnd> {
  const buffer = new Uint8Array(BUFFER_BYTES);
  let answered = false;
  try {
    for (let count; (count = await conn.read(buffer)) !== null;) {
      const skip = answered ? 0 : 1;
      if (buffer[0] !== HELLO_ACK && !answered) break; // Not a monitor's answer.
      answered = true;
      if (!(await writeAllAsync(STDOUT, buffer.slice(skip, count)))) break;
    }
  } catch {
    // Closed: detached meanwhile, or the monitor is gone.
  }
  return answered ? "ended" : "unreachable";
}

/**
 * Sends what is typed to the monitor until the detach keys (then "detached"); at the end of
 * stdin it stops, leaving the output to end the attachment.
 */
function forwardInput(conn: Deno.UnixConn, matcher: DetachKeyMatcher): Promise<AttachEnd> {
  return new Promise((resolve) => {
    (async () => {
      const buffer = new Uint8Array(BUFFER_BYTES);
      for (let count; (count = await readAsync(STDIN, buffer)) > 0;) {
        const { forward, detach } = matcher.feed(buffer.subarray(0, count));
        if (forward.length > 0 && !(await send(conn, encodeFrame(FrameType.INPUT, forward)))) {
          return;
        }
        if (detach) return resolve("detached");
      }
    })();
  });
}
