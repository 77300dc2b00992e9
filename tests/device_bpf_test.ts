import assert from "node:assert/strict";
import { v1DeviceWrites } from "../runtime/cgroups/devices.ts";
import { BpfDeviceAccess, BpfDeviceType, compileDeviceFilter } from "../runtime/spec/device_bpf.ts";
import {
  ALLOW_ALL_DEVICES,
  DEFAULT_DEVICE_RULES,
  type DeviceRule,
  deviceRuleLine,
  isDeviceAccess,
} from "../runtime/spec/device_rules.ts";
import {
  EBPF_INSTRUCTION_BYTES,
  EbpfOp,
  encodeEbpf,
  exit,
  jumpIfNotEqual,
  loadWord,
  move32,
} from "../runtime/spec/ebpf.ts";
import { runDeviceProgram } from "../testing/ebpf_interpreter.ts";

const { BLOCK, CHAR } = BpfDeviceType;
const { MKNOD, READ, WRITE } = BpfDeviceAccess;

/** The verdict of the program of `rules` on one access: true when allowed. */
function allows(rules: readonly DeviceRule[]) {
  const program = compileDeviceFilter(rules);
  return (type: number, major: number, minor: number, access: number) =>
    runDeviceProgram(program, { type, major, minor, access }) === 1n;
}

const docker = allows(DEFAULT_DEVICE_RULES);

Deno.test("encodeEbpf() lays out code, dst and src nibbles, offset and immediate little-endian", () => {
  const bytes = encodeEbpf([loadWord(2, 1, 8), jumpIfNotEqual(4, -2, 3), move32(0, 1), exit()]);
  assert.equal(bytes.length, 4 * EBPF_INSTRUCTION_BYTES);
  // deno-fmt-ignore
  assert.deepEqual([...bytes.subarray(0, 16)], [
    EbpfOp.LOAD_WORD, 0x12, 8, 0, 0, 0, 0, 0,
    EbpfOp.JNE_IMM, 0x04, 3, 0, 0xfe, 0xff, 0xff, 0xff,
  ]);
  assert.deepEqual([...bytes.subarray(24)], [EbpfOp.EXIT, 0, 0, 0, 0, 0, 0, 0]);
});

Deno.test("encodeEbpf() refuses fields that do not fit and empty programs", () => {
  assert.throws(() => encodeEbpf([]), RangeError);
  assert.throws(() => encodeEbpf([loadWord(11, 1, 0)]), RangeError);
  assert.throws(() => encodeEbpf([jumpIfNotEqual(2, 0, 0x8000)]), RangeError);
  assert.throws(() => encodeEbpf([move32(0, 2 ** 32)]), RangeError);
});

Deno.test("Docker's device program allows mknod of any char or block node", () => {
  assert.ok(docker(BLOCK, 7, 0, MKNOD));
  assert.ok(docker(BLOCK, 254, 0, MKNOD));
  assert.ok(docker(CHAR, 1, 11, MKNOD));
  assert.ok(docker(CHAR, 4095, 1048575, MKNOD));
});

Deno.test("Docker's device program denies reading and writing block devices and /dev/kmsg", () => {
  for (const access of [READ, WRITE, READ | WRITE, READ | MKNOD]) {
    assert.equal(docker(BLOCK, 7, 0, access), false, `loop0 access ${access}`);
    assert.equal(docker(BLOCK, 254, 0, access), false, `vda access ${access}`);
    assert.equal(docker(CHAR, 1, 11, access), false, `kmsg access ${access}`);
  }
  assert.equal(docker(CHAR, 10, 229, READ | WRITE), false); // fuse
  assert.equal(docker(CHAR, 4, 1, READ), false); // tty1
});

Deno.test("Docker's device program allows the standard devices, ptys and tun, char only", () => {
  const standard: [number, number][] = [
    [1, 3],
    [1, 5],
    [1, 7],
    [1, 8],
    [1, 9],
    [5, 0],
    [5, 1],
    [5, 2],
    [136, 0],
    [136, 4242],
    [10, 200],
  ];
  for (const [major, minor] of standard) {
    assert.ok(docker(CHAR, major, minor, READ | WRITE | MKNOD), `c ${major}:${minor}`);
    assert.ok(docker(CHAR, major, minor, READ), `c ${major}:${minor} r`);
    assert.equal(docker(BLOCK, major, minor, READ), false, `b ${major}:${minor}`);
  }
  assert.equal(docker(CHAR, 1, 4, READ), false); // /dev/port
  assert.equal(docker(CHAR, 137, 0, READ), false);
});

Deno.test("a device program honours a rule's access subset", () => {
  const readOnly = allows([{ type: "b", major: 8, minor: 0, access: "r" }]);
  assert.ok(readOnly(BLOCK, 8, 0, READ));
  assert.equal(readOnly(BLOCK, 8, 0, WRITE), false);
  assert.equal(readOnly(BLOCK, 8, 0, READ | WRITE), false);
  assert.equal(readOnly(BLOCK, 8, 0, MKNOD), false);
  assert.equal(readOnly(BLOCK, 8, 1, READ), false);
  assert.equal(readOnly(CHAR, 8, 0, READ), false);
  const mknodWrite = allows([{ type: "c", major: 1, minor: "*", access: "mw" }]);
  assert.ok(mknodWrite(CHAR, 1, 11, WRITE | MKNOD));
  assert.equal(mknodWrite(CHAR, 1, 11, READ | WRITE), false);
});

Deno.test("a device program with no rules denies everything", () => {
  const none = allows([]);
  assert.equal(none(CHAR, 1, 3, READ), false);
  assert.equal(none(BLOCK, 7, 0, MKNOD), false);
});

Deno.test("the allow-all rule allows everything and ends the program (no unreachable code)", () => {
  const all = allows([ALLOW_ALL_DEVICES]);
  assert.ok(all(BLOCK, 254, 0, READ | WRITE | MKNOD));
  assert.ok(all(CHAR, 1, 11, WRITE));
  // Rules after it would be unreachable, which the kernel's verifier (and the interpreter) refuse.
  const program = compileDeviceFilter([ALLOW_ALL_DEVICES, ...DEFAULT_DEVICE_RULES]);
  assert.ok(runDeviceProgram(program, { type: BLOCK, major: 7, minor: 0, access: READ }) === 1n);
});

Deno.test("Docker's device rules as v1 lines: deny all, then allow each rule", () => {
  const writes = v1DeviceWrites(DEFAULT_DEVICE_RULES);
  assert.deepEqual(writes[0], ["devices.deny", "a"]);
  assert.deepEqual(writes.slice(1, 4), [
    ["devices.allow", "c *:* m"],
    ["devices.allow", "b *:* m"],
    ["devices.allow", "c 1:3 rwm"],
  ]);
  assert.deepEqual(writes.at(-2), ["devices.allow", "c 136:* rwm"]);
  assert.equal(writes.length, DEFAULT_DEVICE_RULES.length + 1);
  assert.deepEqual(v1DeviceWrites([ALLOW_ALL_DEVICES]), [
    ["devices.deny", "a"],
    ["devices.allow", "a *:* rwm"],
  ]);
  assert.equal(deviceRuleLine({ type: "b", major: 8, minor: 16, access: "rw" }), "b 8:16 rw");
});

Deno.test("isDeviceAccess() takes r, w and m each at most once, in any order", () => {
  for (const access of ["r", "w", "m", "rw", "mr", "rwm", "mwr"]) assert.ok(isDeviceAccess(access));
  for (const access of ["", "rr", "x", "rwmx", "RW", "rwmr"]) {
    assert.equal(isDeviceAccess(access), false, access);
  }
});
