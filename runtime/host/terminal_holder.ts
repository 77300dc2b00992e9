/**
 * The terminal holder of `exec -dt`: a background process in a session of its own that holds the
 * master of the command's terminal (inherited at {@linkcode SPEC_FD}) and reads it (the output
 * goes nowhere, as Docker discards a detached exec's) until every descriptor of the slave is
 * closed: the command and whatever it started have ended.
 *
 * @module
 */

import { close } from "../../sys/fs.ts";
import { readAsync } from "../../sys/pty.ts";
import { SPEC_FD } from "../spec/stage_args.ts";

/** Holds the terminal until the command has ended; returns the holder's exit code (0). */
export async function terminalHolderMain(): Promise<number> {
  const buffer = new Uint8Array(65536);
  while (await readAsync(SPEC_FD, buffer) > 0);
  close(SPEC_FD);
  return 0;
}
