/**
 * The start trampoline: a small static x86_64 program (276 bytes of code) that a container's
 * command is started through (`runtime/stage/spawn_in_place.ts`). mydocker's main thread
 * builds the container's root in namespaces of its own and posix_spawns the trampoline there;
 * the trampoline then finishes the start in the command's own process, before anything of the
 * image runs, the way runc's `runc init` does, without a second Deno:
 *
 * 1. It sets its parent-death signal, SIGKILL (a posix_spawn'ed process must set it itself): the
 *    container dies with mydocker however mydocker dies. It then checks the lifeline, a pipe at
 *    descriptor 3 whose other end only mydocker holds: if mydocker died before the signal was
 *    set, the pipe has hung up and the trampoline exits 137.
 * 2. It reads the tape (`start_tape.ts`) from descriptor 4 to its end: the system calls that
 *    take on the container's user, capabilities, no_new_privs and seccomp filter. That read is
 *    the gate: mydocker writes the tape only once it has recorded the process, moved it into its
 *    cgroups and mounted its /proc. An empty tape means mydocker gave the start up (exit 137).
 * 3. It makes each call in order. A call that fails is reported on descriptor 5, the status
 *    pipe, as two 32-bit words (the call's index on the tape, the errno), and the trampoline
 *    exits 125.
 * 4. It execs the command: execve(PATH, [ARG0, ARG1…], envp), called as `trampoline PATH ARG0
 *    ARG1…`. The tape's last call marks every descriptor from 3 up close-on-exec, so a
 *    successful exec closes the status pipe: mydocker reads its end to EOF, and nothing means
 *    the command runs. A failed exec is reported as the index just past the tape's last call
 *    (exit 127 for ENOENT, else 126).
 *
 * Built by {@linkcode startTrampoline} as an ELF executable with one read-write-execute segment
 * whose last {@linkcode TAPE_BYTES} (zero-filled, not in the file) hold the tape at
 * {@linkcode TAPE_ADDRESS}; the source, assembled with GNU as (`.intel_syntax noprefix`), is
 * beside each instruction.
 *
 * @module
 */

/** The descriptors the trampoline finds at its start: the lifeline, the tape, the status pipe. */
export const TrampolineFd = { LIFELINE: 3, TAPE: 4, STATUS: 5 } as const;

/** Where the tape is read to: the page after the program's own (see `BASE`). */
export const TAPE_ADDRESS = 0x401000n;

/** The most bytes a tape may have. */
export const TAPE_BYTES = 0x100000;

/** The exit code of a trampoline whose tape had a call fail. */
export const EXIT_TAPE_FAILED = 125;

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
  ["0f85e0000000", "jnz died"],
  ["41bc00104000", "mov r12d, 0x401000    # the tape"],
  ["4531ed", "xor r13d, r13d        # its bytes read so far"],
  ["ba00001000", "more: mov edx, 0x100000  # TAPE_BYTES"],
  ["4429ea", "sub edx, r13d"],
  ["741d", "jz run                # full"],
  ["31c0", "xor eax, eax          # read"],
  ["bf04000000", "mov edi, 4            # the tape's descriptor"],
  ["4b8d342c", "lea rsi, [r12+r13]"],
  ["0f05", "syscall"],
  ["4885c0", "test rax, rax"],
  ["0f88b7000000", "js died"],
  ["7405", "jz run                # full"],
  ["4901c5", "add r13, rax"],
  ["ebd9", "jmp more"],
  ["4d85ed", "run: test r13, r13"],
  ["0f84a7000000", "jz died               # no tape: the start was given up"],
  ["498b1c24", "mov rbx, [r12]        # the number of calls"],
  ["4d8b742408", "mov r14, [r12+8]      # the offset of the first"],
  ["4d01e6", "add r14, r12"],
  ["4531ff", "xor r15d, r15d        # the index of the call"],
  ["4939df", "next: cmp r15, rbx"],
  ["732e", "jae exec"],
  ["498b06", "mov rax, [r14]        # struct { u64 number, args[6] }"],
  ["498b7e08", "mov rdi, [r14+8]"],
  ["498b7610", "mov rsi, [r14+16]"],
  ["498b5618", "mov rdx, [r14+24]"],
  ["4d8b5620", "mov r10, [r14+32]"],
  ["4d8b4628", "mov r8, [r14+40]"],
  ["4d8b4e30", "mov r9, [r14+48]"],
  ["0f05", "syscall"],
  ["483d01f0ffff", "cmp rax, -4095"],
  ["732b", "jae failed"],
  ["4983c638", "add r14, 56"],
  ["49ffc7", "inc r15"],
  ["ebcd", "jmp next"],
  ["41f644241001", "exec: test byte ptr [r12+16], 1  # the tape's flags: stay as init?"],
  ["7564", "jnz init"],
  ["488b0424", "command: mov rax, [rsp]  # argc"],
  ["488d742410", "lea rsi, [rsp+16]     # &argv[1]"],
  ["488b7c2408", "mov rdi, [rsp+8]      # argv[0], the path"],
  ["488d54c410", "lea rdx, [rsp+rax*8+16]  # envp"],
  ["b83b000000", "mov eax, 59           # execve"],
  ["0f05", "syscall"],
  ["f7d8", "failed: neg eax       # the errno"],
  ["50", "push rax"],
  ["44893c24", "mov [rsp], r15d       # the report: index, errno"],
  ["89442404", "mov [rsp+4], eax"],
  ["bf05000000", "mov edi, 5            # the status pipe"],
  ["4889e6", "mov rsi, rsp"],
  ["ba08000000", "mov edx, 8"],
  ["b801000000", "mov eax, 1            # write"],
  ["0f05", "syscall"],
  ["8b442404", "mov eax, [rsp+4]"],
  ["bf7d000000", "mov edi, 125          # a call on the tape failed"],
  ["4939df", "cmp r15, rbx"],
  ["720f", "jb out"],
  ["bf7f000000", "mov edi, 127          # the exec failed"],
  ["83f802", "cmp eax, 2            # ENOENT"],
  ["7405", "je out"],
  ["bf7e000000", "mov edi, 126"],
  ["b83c000000", "out: mov eax, 60      # exit"],
  ["0f05", "syscall"],
  ["bf89000000", "died: mov edi, 137"],
  ["ebf2", "jmp out"],
  ["6aff", "init: push -1         # a signal set: every signal"],
  ["31ff", "xor edi, edi          # SIG_BLOCK"],
  ["4889e6", "mov rsi, rsp"],
  ["31d2", "xor edx, edx          # no waiting"],
  ["41ba08000000", "mov r10d, 8           # the set's size"],
  ["b80e000000", "mov eax, 14           # rt_sigprocmask"],
  ["0f05", "syscall"],
  ["b83a000000", "mov eax, 58           # vfork: runs on when the child has exec'd or exited"],
  ["0f05", "syscall"],
  ["85c0", "test eax, eax"],
  ["7895", "js failed"],
  ["7525", "jnz parent"],
  ["48c7042400000000", "mov qword ptr [rsp], 0  # the child: no signal blocked"],
  ["bf02000000", "mov edi, 2            # SIG_SETMASK"],
  ["4889e6", "mov rsi, rsp"],
  ["31d2", "xor edx, edx          # no waiting"],
  ["41ba08000000", "mov r10d, 8           # the set's size"],
  ["b80e000000", "mov eax, 14           # rt_sigprocmask"],
  ["0f05", "syscall"],
  ["58", "pop rax"],
  ["e954ffffff", "jmp command"],
  ["4189c5", "parent: mov r13d, eax  # the command's pid"],
  ["48c70424ffffffff", "mov qword ptr [rsp], -1  # every signal (the child shared this memory)"],
  ["bf03000000", "mov edi, 3"],
  ["beffffffff", "mov esi, -1"],
  ["31d2", "xor edx, edx          # no waiting"],
  ["b8b4010000", "mov eax, 436          # close_range: the status pipe ends, the command runs"],
  ["0f05", "syscall"],
  ["4889e7", "wait: mov rdi, rsp    # every signal"],
  ["4881ec80000000", "sub rsp, 128          # siginfo_t"],
  ["4889e6", "mov rsi, rsp"],
  ["31d2", "xor edx, edx          # no waiting"],
  ["41ba08000000", "mov r10d, 8           # the set's size"],
  ["b880000000", "mov eax, 128          # rt_sigtimedwait, no timeout"],
  ["0f05", "syscall"],
  ["4881c480000000", "add rsp, 128"],
  ["83f811", "cmp eax, 17           # SIGCHLD"],
  ["7412", "je reap"],
  ["85c0", "test eax, eax"],
  ["78d4", "js wait"],
  ["89c6", "mov esi, eax          # any other signal is forwarded to the command"],
  ["4489ef", "mov edi, r13d"],
  ["b83e000000", "mov eax, 62           # kill"],
  ["0f05", "syscall"],
  ["ebc6", "jmp wait"],
  ["6a00", "reap: push 0          # int status"],
  ["bfffffffff", "mov edi, -1           # any child"],
  ["4889e6", "mov rsi, rsp"],
  ["ba01000000", "mov edx, 1            # WNOHANG"],
  ["4531d2", "xor r10d, r10d"],
  ["b83d000000", "mov eax, 61           # wait4"],
  ["0f05", "syscall"],
  ["59", "pop rcx"],
  ["85c0", "test eax, eax"],
  ["7ea8", "jle wait              # none has ended"],
  ["4439e8", "cmp eax, r13d"],
  ["75dd", "jne reap              # an orphan, reaped: the next one"],
  ["89cf", "mov edi, ecx"],
  ["83e77f", "and edi, 0x7f         # the signal that ended the command"],
  ["740b", "jz exited"],
  ["81c780000000", "add edi, 128          # 128 + the signal, as a shell says"],
  ["e91dffffff", "jmp out"],
  ["c1e908", "exited: shr ecx, 8    # its exit code"],
  ["0fb6f9", "movzx edi, cl"],
  ["e912ffffff", "jmp out"],
];

/** Where the program is loaded (the usual base of a non-PIE x86_64 executable). */
const BASE = 0x400000n;
const ELF_HEADER_BYTES = 64;
const PROGRAM_HEADER_BYTES = 56;

/** The value of the hex digit (0-9, a-f, A-F) of character code `code`. */
function hexDigit(code: number): number {
  return code <= 0x39 ? code - 0x30 : (code | 0x20) - 0x57;
}

/** The x86_64 trampoline, once built. */
let builtX86_64: Uint8Array<ArrayBuffer> | undefined;

/**
 * The trampoline for `arch` (`Deno.build.arch`) as the bytes of a static ELF executable, or
 * undefined where mydocker has none (then a container starts through the init stage process,
 * which does the same work in Deno). Built once a process (a start asks twice).
 */
export function startTrampoline(arch: string): Uint8Array<ArrayBuffer> | undefined {
  if (arch !== "x86_64") return undefined;
  builtX86_64 ??= buildX86_64();
  return builtX86_64;
}

function buildX86_64(): Uint8Array<ArrayBuffer> {
  const length = CODE_X86_64.reduce((sum, [hex]) => sum + hex.length / 2, 0);
  const size = ELF_HEADER_BYTES + PROGRAM_HEADER_BYTES + length;
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
  view.setUint32(ph + 4, 7, true); // PF_R | PF_W | PF_X: the tape is written below
  view.setBigUint64(ph + 16, BASE, true); // p_vaddr
  view.setBigUint64(ph + 24, BASE, true); // p_paddr
  view.setBigUint64(ph + 32, BigInt(size), true); // p_filesz
  view.setBigUint64(ph + 40, TAPE_ADDRESS - BASE + BigInt(TAPE_BYTES), true); // p_memsz
  view.setBigUint64(ph + 48, 0x1000n, true); // p_align
  let at = ELF_HEADER_BYTES + PROGRAM_HEADER_BYTES;
  for (const [hex] of CODE_X86_64) {
    for (let digit = 0; digit < hex.length; digit += 2) {
      bytes[at++] = hexDigit(hex.charCodeAt(digit)) << 4 | hexDigit(hex.charCodeAt(digit + 1));
    }
  }
  return bytes;
}
