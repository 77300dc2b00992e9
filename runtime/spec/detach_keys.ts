/**
 * Detach keys, as Docker reads them (`--detach-keys`, default `ctrl-p,ctrl-q`): the key sequence
 * that, typed into an attached terminal, detaches from the container and leaves it running.
 *
 * @module
 */

/** Docker's default detach keys: ctrl-p ctrl-q. */
export const DEFAULT_DETACH_KEYS = "ctrl-p,ctrl-q";

/** The `ctrl-` keys Docker knows, in the order of their codes (0 to 31). */
const CONTROL_KEYS = "@abcdefghijklmnopqrstuvwxyz[\\]^_";

/**
 * The bytes of detach keys `keys` (comma-separated: a single character, or `ctrl-X` with X one
 * of `@`, `a`…`z`, `[`, `\`, `]`, `^`, `_`).
 *
 * @throws {RangeError} `Invalid detach keys (ctrl-y,z!) provided` for anything else.
 */
export function parseDetachKeys(keys: string): Uint8Array {
  const codes: number[] = [];
  for (const key of keys.split(",")) {
    const name = key.toLowerCase();
    const control = name.startsWith("ctrl-") && name.length === 6
      ? CONTROL_KEYS.indexOf(name[5]!)
      : -1;
    if (control !== -1) codes.push(control);
    else if (key.length === 1 && key.charCodeAt(0) < 128) codes.push(key.charCodeAt(0));
    else throw new RangeError(`Invalid detach keys (${keys}) provided`);
  }
  return new Uint8Array(codes);
}

/**
 * Watches what the user types for the detach keys: bytes that could begin the sequence are held
 * back until it is complete (detach) or broken (they are passed on after all).
 */
export class DetachKeyMatcher {
  readonly #keys: Uint8Array;
  #matched = 0;

  /** Watches for `keys` (from {@linkcode parseDetachKeys}; empty: never detach). */
  constructor(keys: Uint8Array) {
    this.#keys = keys;
  }

  /**
   * Reads typed `bytes`; returns what to pass to the container, and whether the detach keys are
   * now complete (what follows them is dropped).
   */
  feed(bytes: Uint8Array): { forward: Uint8Array; detach: boolean } {
    const keys = this.#keys;
    if (keys.length === 0) return { forward: bytes, detach: false };
    const forward: number[] = [];
    for (const byte of bytes) {
      if (byte === keys[this.#matched]) {
        if (++this.#matched === keys.length) {
          return { forward: new Uint8Array(forward), detach: true };
        }
        continue;
      }
      forward.push(...keys.subarray(0, this.#matched));
      this.#matched = byte === keys[0] ? 1 : 0;
      if (this.#matched === 0) forward.push(byte);
    }
    return { forward: new Uint8Array(forward), detach: false };
  }
}
