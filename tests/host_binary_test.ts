import assert from "node:assert/strict";
import { findStaticHostBinary, isStaticElf } from "../runtime/host/host_binary.ts";

/** A minimal 64-bit little-endian ELF header with one program header of type `type`. */
function elf(programType: number): Uint8Array {
  const bytes = new Uint8Array(64 + 56);
  const view = new DataView(bytes.buffer);
  bytes.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]);
  view.setUint16(16, 2, true); // ET_EXEC
  view.setBigUint64(32, 64n, true); // e_phoff
  view.setUint16(54, 56, true); // e_phentsize
  view.setUint16(56, 1, true); // e_phnum
  view.setUint32(64, programType, true);
  return bytes;
}

Deno.test("isStaticElf() accepts an ELF executable without PT_INTERP", () => {
  assert.equal(isStaticElf(elf(1)), true);
  assert.equal(isStaticElf(elf(3)), false);
  assert.equal(isStaticElf(new TextEncoder().encode("#!/bin/sh\necho hi\n")), false);
  assert.equal(isStaticElf(new Uint8Array()), false);
});

Deno.test("findStaticHostBinary() finds Debian's static busybox and refuses dynamic /bin/ls", () => {
  assert.equal(findStaticHostBinary("/bin/busybox"), "/bin/busybox");
  assert.equal(findStaticHostBinary("/bin/ls"), undefined);
  assert.equal(findStaticHostBinary("busybox"), undefined);
  assert.equal(findStaticHostBinary("/no/such/file"), undefined);
  assert.equal(findStaticHostBinary("/etc"), undefined);
});
