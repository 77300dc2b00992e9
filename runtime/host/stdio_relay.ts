/**
 * Stdout and stderr relayed through pipes of mydocker's own, for a container whose user is not
 * root: such a user cannot reopen `/dev/stdout` when it is the caller's pipe, file or terminal
 * (owned by the caller, mode 0600), and mydocker never hands the caller's own files to another
 * user. So the command gets pipes, handed to its user (as Docker's shim and runc do), and
 * mydocker copies what comes out of them to its own stdout and stderr. A detached container's
 * monitor relays them the same way into the container's log (`json_log.ts`), and a foreground
 * `run` copies them there too.
 *
 * @module
 */

import { close, pipe } from "../../sys/fs.ts";
import type { SpawnAction } from "../../sys/process.ts";
import { readAsync, writeAllAsync } from "../../sys/pty.ts";

const BUFFER_BYTES = 65536;

/** Whether `user` (`name|uid[:group|gid]`, empty for the image's default) is surely root. */
export function isRootUser(user: string): boolean {
  return /^(|0|root)(:.*)?$/.test(user);
}

/**
 * Where the relayed output goes: called with 1 (stdout) or 2 (stderr) and the bytes; false
 * stops copying that stream.
 */
export type OutputSink = (fd: 1 | 2, bytes: Uint8Array<ArrayBuffer>) => Promise<boolean> | boolean;

/** The default sink: mydocker's own stdout and stderr. */
const toOwnStdio: OutputSink = (fd, bytes) => writeAllAsync(fd, bytes);

/** Copies `from` to `sink` as stream `fd` until `from` ends (or `sink` fails); closes `from`. */
async function copy(from: number, fd: 1 | 2, sink: OutputSink): Promise<void> {
  const buffer = new Uint8Array(BUFFER_BYTES);
  try {
    for (let count; (count = await readAsync(from, buffer)) > 0;) {
      if (!await sink(fd, buffer.slice(0, count))) break;
    }
  } finally {
    close(from);
  }
}

/** The command's stdout and stderr pipes and the copying from them. */
export class StdioRelay {
  /** The write ends the command gets as its stdout and stderr (close-on-exec here). */
  readonly commandEnds: readonly [number, number];
  readonly #readEnds: readonly [number, number];
  #copying: Promise<unknown> | undefined;
  readonly #sink: OutputSink;
  #released = false;

  /** Makes the pipes, whose output goes to `sink` (default: mydocker's stdout and stderr). */
  constructor(sink: OutputSink = toOwnStdio) {
    this.#sink = sink;
    const [outRead, outWrite] = pipe();
    const [errRead, errWrite] = pipe();
    this.commandEnds = [outWrite, errWrite];
    this.#readEnds = [outRead, errRead];
  }

  /**
   * Call once the command has its ends: closes them here, so that the copying ends when the
   * container's last process does, and starts copying to the sink.
   */
  start(): void {
    this.release();
    this.#copying = Promise.all([
      copy(this.#readEnds[0], 1, this.#sink),
      copy(this.#readEnds[1], 2, this.#sink),
    ]);
  }

  /** The spawn actions that give a spawned stage the command's ends as its stdout and stderr. */
  spawnActions(): SpawnAction[] {
    const [out, err] = this.commandEnds;
    return [{ op: "dup2", from: out, to: 1 }, { op: "dup2", from: err, to: 2 }];
  }

  /** Closes the command's ends here (once); on a failed start, call {@linkcode close} too. */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    for (const fd of this.commandEnds) close(fd);
  }

  /** Waits until everything the container wrote has been copied. */
  async finish(): Promise<void> {
    await this.#copying;
  }

  /** Closes everything when the relay was never started. */
  close(): void {
    this.release();
    if (this.#copying === undefined) { for (const fd of this.#readEnds) close(fd); }
  }
}
