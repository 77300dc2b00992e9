/**
 * Compiled seccomp filters kept in the state root, `cache/seccomp/`, for the next start: Docker's
 * default profile compiled for a capability set costs a start about 3 ms (the compiler runs once,
 * cold), reading it back about 0.2 ms. A file holds the compiler's whole input (architecture,
 * capabilities, profile) as one line of JSON, then the program; a file compiled from another
 * input (another mydocker's profile) is not used, and is replaced. Written under a temporary name
 * and renamed; any failure to read or write it only means compiling again.
 *
 * @module
 */

import type { KeptFilters } from "../spec/seccomp_filter.ts";
import { INSTRUCTION_BYTES } from "../spec/seccomp_bpf.ts";
import { pathExists } from "../../sys/path_exists.ts";

const NEWLINE = 10;

/** A short file name for `name` (its FNV-1a hash): capability sets can be long. */
function fileName(name: string): string {
  let hash = 0x811c9dc5;
  for (let at = 0; at < name.length; at++) {
    hash = Math.imul(hash ^ name.charCodeAt(at), 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, "0");
}

/** The compiled filters kept under state root `stateRoot`. */
export function keptSeccompFilters(stateRoot: string): KeptFilters {
  const dir = `${stateRoot}/cache/seccomp`;
  return {
    get(name, input) {
      const path = `${dir}/${fileName(name)}`;
      if (!pathExists(path)) return undefined;
      let bytes: Uint8Array<ArrayBuffer>;
      try {
        bytes = Deno.readFileSync(path);
      } catch {
        return undefined;
      }
      const end = bytes.indexOf(NEWLINE);
      if (end < 0 || new TextDecoder().decode(bytes.subarray(0, end)) !== input) return undefined;
      const program = bytes.slice(end + 1);
      const whole = program.length > 0 && program.length % INSTRUCTION_BYTES === 0;
      return whole ? program : undefined;
    },
    set(name, input, filter) {
      const path = `${dir}/${fileName(name)}`;
      const temporary = `${path}.${Deno.pid}.tmp`;
      try {
        Deno.mkdirSync(dir, { recursive: true, mode: 0o700 });
        const line = new TextEncoder().encode(`${input}\n`);
        const bytes = new Uint8Array(line.length + filter.length);
        bytes.set(line);
        bytes.set(filter, line.length);
        Deno.writeFileSync(temporary, bytes, { mode: 0o600 });
        Deno.renameSync(temporary, path);
      } catch {
        try {
          Deno.removeSync(temporary);
        } catch {
          // Never written.
        }
      }
    },
  };
}
