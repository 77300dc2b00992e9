/**
 * A container's stop request: a file `stop` (and `rm -f`) leaves in the container's directory so
 * that its monitor does not start it again under its restart policy, as Docker marks a container
 * it stopped "manually stopped". A new start clears it.
 *
 * @module
 */

import { pathExists } from "../../sys/path_exists.ts";

const STOP_REQUEST_FILE = "stop-requested";

/** Asks the monitor of the container in `dir` not to restart it. */
export function requestStop(dir: string): void {
  try {
    Deno.writeFileSync(`${dir}/${STOP_REQUEST_FILE}`, new Uint8Array());
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error; // Removed meanwhile.
  }
}

/** Whether a stop of the container in `dir` was asked for since it was last started. */
export function stopRequested(dir: string): boolean {
  return pathExists(`${dir}/${STOP_REQUEST_FILE}`);
}

/** Forgets the stop request of the container in `dir` (it is being started). */
export function clearStopRequest(dir: string): void {
  try {
    Deno.removeSync(`${dir}/${STOP_REQUEST_FILE}`);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}
