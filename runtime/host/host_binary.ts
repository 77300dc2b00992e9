/**
 * Host programs a container may borrow: a statically linked executable that exists on the host
 * at an absolute path the image lacks is bound read-only into the container at the same path.
 *
 * @module
 */

const PT_INTERP = 3;
const ET_EXEC = 2;
const ET_DYN = 3;
const HEADER_BYTES = 64 * 1024;

/**
 * Tells whether `bytes` (the start of a file) is an ELF executable with no program
 * interpreter, i.e. one that runs without the host's dynamic loader and libraries.
 */
export function isStaticElf(bytes: Uint8Array): boolean {
  if (bytes.length < 52 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c) {
    return false;
  }
  if (bytes[3] !== 0x46) return false;
  const is64 = bytes[4] === 2;
  const little = bytes[5] === 1;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = view.getUint16(16, little);
  if (type !== ET_EXEC && type !== ET_DYN) return false;
  const phoff = is64 ? Number(view.getBigUint64(32, little)) : view.getUint32(28, little);
  const phentsize = view.getUint16(is64 ? 54 : 42, little);
  const phnum = view.getUint16(is64 ? 56 : 44, little);
  if (phnum === 0 || phoff + phentsize * phnum > bytes.length) return false;
  for (let index = 0; index < phnum; index++) {
    if (view.getUint32(phoff + index * phentsize, little) === PT_INTERP) return false;
  }
  return true;
}

/**
 * Returns `path` when it names a statically linked executable file on the host, else undefined.
 * Only absolute paths qualify.
 */
export function findStaticHostBinary(path: string): string | undefined {
  if (!path.startsWith("/")) return undefined;
  let file: Deno.FsFile;
  try {
    const info = Deno.statSync(path);
    if (!info.isFile || ((info.mode ?? 0) & 0o111) === 0) return undefined;
    file = Deno.openSync(path);
  } catch {
    return undefined;
  }
  try {
    const bytes = new Uint8Array(HEADER_BYTES);
    const read = file.readSync(bytes) ?? 0;
    return isStaticElf(bytes.subarray(0, read)) ? path : undefined;
  } finally {
    file.close();
  }
}
