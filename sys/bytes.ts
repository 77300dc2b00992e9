/**
 * Byte arrays, as `@std/bytes` would have them (JSR is out of reach here): joining chunks read
 * one at a time.
 *
 * @module
 */

/** Joins `chunks` into one array, in order. */
export function concatBytes(chunks: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  const all = new Uint8Array(chunks.reduce((total, chunk) => total + chunk.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.length;
  }
  return all;
}
