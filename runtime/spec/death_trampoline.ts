/**
 * The death trampoline: a small static x86_64 program (123 bytes of code) that a container's
 * command is started through when it starts on a thread of mydocker's
 * (`runtime/stage/start_thread.ts`). A process
 * posix_spawn'ed by mydocker cannot be given a parent-death signal (it is set by the process
 * itself), so the trampoline sets it, SIGKILL, and then execs the command: the container dies
 * with the thread that started it, as it would with runc. It also checks the lifeline, a pipe at
 * descriptor 3 whose other end only mydocker holds: if mydocker died before the signal was set,
 * the pipe has hung up and the trampoline exits (137) instead of starting the command. Then it
 * closes every descriptor from 3 up (close_range), so that the command gets only its stdio.
 *
 * Called as `trampoline PATH ARG0 ARG1…`, it runs execve(PATH, [ARG0, ARG1…], envp), and exits
 * 127 when PATH does not exist, 126 when it cannot be executed. Built by
 * {@linkcode deathTrampoline} as an ELF executable; the source, assembled with GNU as
 * (`.intel_syntax noprefix`), is beside each instruction.
 *
 * @module
 */

/** The trampoline's code: the bytes of each instruction, with its assembly. */
const CODE_X86_64: readonly (readonly [string, string])[] = [
  ["b89d000000", "mov eax, 157          # prctl"],
  ["bf01000000", "mov edi, 1            # PR_SET_PDEATHSIG"],
  ["be09000000", "mov esi, 9            # SIGKILL"],
  ["0f05", "syscall"],
  ["6a03", "push 3                # struct pollfd { fd 3, events 0, revents 0 }"],
  ["4889e7", "mov rdi, rsp"],
  ["be01000000", "mov esi, 1            # one descriptor"],
  ["31d2", "xor edx, edx          # no waiting"],
  ["b807000000", "mov eax, 7            # poll"],
  ["0f05", "syscall"],
  ["59", "pop rcx"],
  ["48c1e930", "shr rcx, 48           # revents"],
  ["f7c118000000", "test ecx, 0x18        # POLLHUP | POLLERR: mydocker is gone"],
  ["7543", "jnz died"],
  ["bf03000000", "mov edi, 3"],
  ["beffffffff", "mov esi, -1"],
  ["31d2", "xor edx, edx"],
  ["b8b4010000", "mov eax, 436          # close_range: the lifeline and anything leaked"],
  ["0f05", "syscall"],
  ["488b0424", "mov rax, [rsp]        # argc"],
  ["488d742410", "lea rsi, [rsp+16]     # &argv[1]"],
  ["488b7c2408", "mov rdi, [rsp+8]      # argv[0], the path"],
  ["488d54c410", "lea rdx, [rsp+rax*8+16]  # envp"],
  ["b83b000000", "mov eax, 59           # execve"],
  ["0f05", "syscall"],
  ["bf7f000000", "mov edi, 127"],
  ["83f8fe", "cmp eax, -2           # ENOENT"],
  ["7405", "je out"],
  ["bf7e000000", "mov edi, 126"],
  ["b83c000000", "out: mov eax, 60      # exit"],
  ["0f05", "syscall"],
  ["bf89000000", "died: mov edi, 137"],
  ["ebf2", "jmp out"],
];

/** Where the program is loaded (the usual base of a non-PIE x86_64 executable). */
const BASE = 0x400000n;
const ELF_HEADER_BYTES = 64;
const PROGRAM_HEADER_BYTES = 56;

function hexBytes(hex: string): number[] {
  return hex.match(/../g)!.map((pair) => parseInt(pair, 16));
}

/**
 * The trampoline for `arch` (`Deno.build.arch`) as the bytes of a static ELF executable, or
 * undefined where mydocker has none (then a container starts through the init stage process,
 * which sets its own parent-death signal).
 */
export function deathTrampoline(arch: string): Uint8Array<ArrayBuffer> | undefined {
  if (arch !== "x86_64") return undefined;
  const code = CODE_X86_64.flatMap(([hex]) => hexBytes(hex));
  const size = ELF_HEADER_BYTES + PROGRAM_HEADER_BYTES + code.length;
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  bytes.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]); // ELF, 64-bit, little-endian, version 1
  view.setUint16(16, 2, true); // ET_EXEC
  view.setUint16(18, 62, true); // EM_X86_64
  view.setUint32(20, 1, true); // EV_CURRENT
  view.setBigUint64(24, BASE + BigInt(ELF_HEADER_BYTES + PROGRAM_HEADER_BYTES), true); // entry
  view.setBigUint64(32, BigInt(ELF_HEADER_BYTES), true); // program headers
  view.setUint16(52, ELF_HEADER_BYTES, true);
  view.setUint16(54, PROGRAM_HEADER_BYTES, true);
  view.setUint16(56, 1, true); // one program header
  const ph = ELF_HEADER_BYTES;
  view.setUint32(ph, 1, true); // PT_LOAD
  view.setUint32(ph + 4, 5, true); // PF_R | PF_X
  view.setBigUint64(ph + 16, BASE, true); // p_vaddr
  view.setBigUint64(ph + 24, BASE, true); // p_paddr
  view.setBigUint64(ph + 32, BigInt(size), true); // p_filesz
  view.setBigUint64(ph + 40, BigInt(size), true); // p_memsz
  view.setBigUint64(ph + 48, 0x1000n, true); // p_align
  bytes.set(code, ELF_HEADER_BYTES + PROGRAM_HEADER_BYTES);
  return bytes;
}
