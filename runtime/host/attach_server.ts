/**
 * The terminal of a detached container (`run -dt`, `-dit`), held by its monitor: the monitor
 * receives the pseudo-terminal master of each run, logs what the container writes to it (as
 * Docker logs a terminal's output: stdout), and serves `attach` and `start -a` clients on the
 * container's attach socket: each gets the output from then on (or, asking for a replay, the
 * run's output so far first), and what they type and their window sizes go to the terminal.
 * A client is disconnected when the run it attached to ends.
 *
 * @module
 */

import { close } from "../../sys/fs.ts";
import { readAsync, setWindowSize, writeAllAsync } from "../../sys/pty.ts";
import { concatBytes } from "../../sys/bytes.ts";
import {
  FrameDecoder,
  FrameType,
  HELLO_ACK,
  HELLO_REPLAY,
  readResize,
} from "../spec/attach_frames.ts";
import { attachSocketPath, withShortSocketPath } from "./attach_socket.ts";
import { ConsoleHandoff, untilDrained } from "./console_relay.ts";

const BUFFER_BYTES = 65536;
/** How much of a run's output a replay sends at most: its last 64 KiB. */
const REPLAY_BYTES = 65536;

/** A connected client and the chain of writes to it. */
interface Client {
  conn: Deno.UnixConn;
  writes: Promise<void>;
}

/**
 * The attach socket of one detached container with a terminal, listening for the monitor's
 * whole life; {@linkcode AttachServer.terminal} makes the terminal of each run.
 */
export class AttachServer {
  readonly #path: string;
  /** The socket's inode: a later monitor's socket at the same path is not removed. */
  readonly #ino: number | null;
  readonly #listener: Deno.Listener<Deno.UnixConn, Deno.UnixAddr>;
  readonly #clients = new Set<Client>();
  /** Disconnections whose last writes are still on their way. */
  readonly #closing = new Set<Promise<void>>();
  readonly #log: (bytes: Uint8Array) => void;
  /** Whether a run is on: from {@linkcode AttachServer.terminal} until its end. */
  #running = false;
  /** The run's master, once it has arrived and while it is open. */
  #master: number | undefined;
  #replay: Uint8Array[] = [];
  #replayBytes = 0;

  private constructor(
    path: string,
    listener: Deno.Listener<Deno.UnixConn, Deno.UnixAddr>,
    log: (bytes: Uint8Array) => void,
  ) {
    this.#path = path;
    this.#ino = Deno.statSync(path).ino;
    this.#listener = listener;
    this.#log = log;
    this.#accept().catch(() => {
      // The listener closed: the monitor is ending.
    });
  }

  /**
   * Listens on the attach socket of container directory `dir`; `log` gets the terminal's output.
   *
   * @throws {Deno.errors.AddrInUse} and the like when the socket cannot be made.
   */
  static async listen(dir: string, log: (bytes: Uint8Array) => void): Promise<AttachServer> {
    const path = attachSocketPath(dir);
    await Deno.remove(path).catch(() => undefined); // A dead monitor's socket.
    const listener = await withShortSocketPath(
      dir,
      (short) => Deno.listen({ transport: "unix", path: short }),
    );
    return new AttachServer(path, listener, log);
  }

  async #accept(): Promise<void> {
    for await (const conn of this.#listener) {
      this.#serve(conn).catch(() => conn.close());
    }
  }

  async #serve(conn: Deno.UnixConn): Promise<void> {
    const decoder = new FrameDecoder();
    const buffer = new Uint8Array(BUFFER_BYTES);
    let client: Client | undefined;
    for (let count; (count = await conn.read(buffer)) !== null;) {
      for (const { type, payload } of decoder.push(buffer.subarray(0, count))) {
        const master = this.#master;
        if (type === FrameType.HELLO && client === undefined) {
          client = { conn, writes: Promise.resolve() };
          this.#send(client, Uint8Array.of(HELLO_ACK));
          if ((payload[0]! & HELLO_REPLAY) !== 0) this.#send(client, concatBytes(this.#replay));
          if (!this.#running) return this.#disconnect(client); // Between runs, or ended.
          this.#clients.add(client);
        } else if (type === FrameType.INPUT && master !== undefined) {
          await writeAllAsync(master, payload.slice());
        } else if (type === FrameType.RESIZE && master !== undefined) {
          try {
            setWindowSize(master, readResize(payload));
          } catch {
            // The run has just ended.
          }
        }
      }
    }
    if (client !== undefined) this.#disconnect(client);
    else conn.close();
  }

  /** Queues `bytes` for `client`; a client that cannot take them is dropped. */
  #send(client: Client, bytes: Uint8Array<ArrayBuffer>): void {
    client.writes = client.writes.then(async () => {
      for (let written = 0; written < bytes.length;) {
        written += await client.conn.write(bytes.subarray(written));
      }
    }).catch(() => this.#disconnect(client));
  }

  /** Closes `client`'s connection once what was queued for it is written. */
  #disconnect(client: Client): void {
    this.#clients.delete(client);
    const closed = client.writes.finally(() => {
      try {
        client.conn.close();
      } catch {
        // Closed already.
      }
    });
    this.#closing.add(closed);
    closed.finally(() => this.#closing.delete(closed));
  }

  /** Passes the terminal's `bytes` to the log, the replay buffer and every client. */
  #output(bytes: Uint8Array<ArrayBuffer>): void {
    try {
      this.#log(bytes);
    } catch {
      // A log that cannot be written (a full disk) never stops the terminal.
    }
    this.#replay.push(bytes);
    this.#replayBytes += bytes.length;
    while (this.#replayBytes - this.#replay[0]!.length >= REPLAY_BYTES) {
      this.#replayBytes -= this.#replay.shift()!.length;
    }
    for (const client of this.#clients) this.#send(client, bytes);
  }

  /** The terminal of the container's next run, for `superviseContainer`'s hooks. */
  terminal(): DetachedTerminal {
    this.#replay = [];
    this.#replayBytes = 0;
    this.#running = true;
    return new DetachedTerminal({
      received: (master) => this.#master = master,
      output: (bytes) => this.#output(bytes),
      closed: (master) => {
        if (this.#master === master) this.#master = undefined;
      },
      ended: () => {
        this.#running = false;
        for (const client of [...this.#clients]) this.#disconnect(client);
      },
    });
  }

  /**
   * Stops listening, disconnects every client (once what was queued for it is written, for a
   * second at most) and removes the socket (unless the container has been started again
   * meanwhile, by a monitor listening at the same path).
   */
  async close(): Promise<void> {
    this.#listener.close();
    for (const client of [...this.#clients]) this.#disconnect(client);
    try {
      if (Deno.statSync(this.#path).ino === this.#ino) Deno.removeSync(this.#path);
    } catch {
      // Removed with the container's directory.
    }
    // The clients' last output, before the monitor exits (a client that reads nothing: a second).
    await untilDrained(Promise.all(this.#closing));
  }
}

/** What a {@linkcode DetachedTerminal} tells its server. */
interface TerminalEvents {
  /** The run's master has arrived. */
  received: (master: number) => void;
  /** The container wrote `bytes`. */
  output: (bytes: Uint8Array<ArrayBuffer>) => void;
  /** The run's `master` is closed: no more input or sizes for it. */
  closed: (master: number) => void;
  /** The run has ended and its end is recorded: every client is to be disconnected. */
  ended: () => void;
}

/**
 * The terminal of one run of a detached container: create it before spawning the init stage
 * (whose spec gets {@linkcode DetachedTerminal.socketFd}), {@linkcode DetachedTerminal.start} it
 * right after, {@linkcode DetachedTerminal.finish} it once the container has ended.
 */
export class DetachedTerminal {
  readonly #handoff = new ConsoleHandoff();
  readonly #events: TerminalEvents;
  #relay: Promise<void> | undefined;

  /** Opens the socket pair the master comes over. */
  constructor(events: TerminalEvents) {
    this.#events = events;
  }

  /** The socket end the container's start inherits and sends the master over. */
  get socketFd(): number {
    return this.#handoff.socketFd;
  }

  /** Call once the container's start is spawned: relays the terminal in the background. */
  start(): void {
    this.#relay = this.#run();
    this.#relay.catch(() => {
      // The container ends all the same; finish() waits for nothing more.
    });
  }

  async #run(): Promise<void> {
    const master = await this.#handoff.receive();
    if (master === undefined) return; // The start ended before creating the console.
    this.#events.received(master);
    try {
      const buffer = new Uint8Array(BUFFER_BYTES);
      // EIO once every descriptor of the slave is closed: the container has ended.
      for (let count; (count = await readAsync(master, buffer)) > 0;) {
        this.#events.output(buffer.slice(0, count));
      }
    } finally {
      this.#events.closed(master);
      close(master);
    }
  }

  /**
   * Once the container has ended and its end is recorded: waits (at most a second) for its last
   * output, then disconnects the run's clients (who read its exit code from its state). Closes
   * the socket pair if the terminal never started.
   */
  async finish(): Promise<void> {
    if (this.#relay === undefined) return this.#handoff.close();
    await untilDrained(this.#relay);
    this.#events.ended();
  }
}
