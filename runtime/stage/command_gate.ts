/**
 * The gate of `--init`'s command. The init (PID 1, a Deno process of mydocker's) joins none of
 * the container's cgroups, so that their limits are charged for the command alone: it spawns the
 * command with a file action that opens a FIFO, so the command's process waits there, and a
 * worker thread moves that process into the container's cgroups (through `cgroup.procs` files
 * opened while their host paths were reachable) and then opens the FIFO's other end. A thread,
 * because posix_spawn keeps the init's main thread until the command execs.
 *
 * @module
 */

import { OpenFlag } from "../../sys/fs.ts";
import type { SpawnOptions } from "../../sys/process.ts";
import { realSys, type Sys } from "../../sys/sys.ts";

/** The FIFO, on the container's /dev tmpfs, removed once released. */
const GATE = "/dev/.mydocker-init";
/** The descriptor the command's process opens the gate at (closed again before its exec). */
const GATE_FD = 3;

/** The spawn options that make `--init`'s command wait at its gate. */
export const GATED_SPAWN: SpawnOptions = {
  group: "inherit",
  files: [{ fd: GATE_FD, path: GATE, flags: OpenFlag.RDONLY }],
  actions: [{ op: "close", fd: GATE_FD }],
};

/**
 * The gate worker's whole program: waits for PID 1's first child, writes its pid into each of
 * the `cgroup.procs` descriptors `fds`, opens `gate` for writing (which lets the child go on to
 * exec), removes it and ends. It runs from its source text inside the container's root, so it
 * uses nothing but its arguments, Deno, and the C library already loaded in the process.
 */
function releaseAtGate(fds: readonly number[], gate: string): void {
  const libc = Deno.dlopen("libc.so.6", {
    write: { parameters: ["i32", "buffer", "usize"], result: "isize" },
    close: { parameters: ["i32"], result: "i32" },
  });
  const pause = new Int32Array(new SharedArrayBuffer(4));
  let children = "";
  while ((children = Deno.readTextFileSync("/proc/1/task/1/children").trim()) === "") {
    Atomics.wait(pause, 0, 0, 1);
  }
  const pid = new TextEncoder().encode(children.split(" ")[0]);
  for (const fd of fds) {
    libc.symbols.write(fd, pid, BigInt(pid.length));
    libc.symbols.close(fd);
  }
  Deno.openSync(gate, { write: true }).close();
  Deno.removeSync(gate);
  self.close();
}

/**
 * Opens the `cgroup.procs` files `cgroups` for the gate (call it before pivot_root, while their
 * host paths are reachable); returns their descriptors.
 */
export function openCommandCgroups(cgroups: readonly string[], sys: Sys = realSys): number[] {
  return cgroups.map((file) => sys.open(file, OpenFlag.WRONLY));
}

/**
 * Makes the gate and starts its worker, inside the container's root and before the credentials
 * are taken on (the worker keeps the thread's, to write the cgroups and remove the gate).
 */
export function openGateWorker(fds: readonly number[], sys: Sys = realSys): void {
  sys.mkfifo(GATE, 0o600);
  // The command's process opens it as the container's user; nothing else runs there yet.
  sys.chmod(GATE, 0o666);
  const program = `(${releaseAtGate})(${JSON.stringify(fds)}, ${JSON.stringify(GATE)});`;
  new Worker(`data:text/javascript,${encodeURIComponent(program)}`, { type: "module" });
}
