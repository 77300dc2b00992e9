/**
 * A container process's credentials as data: the steps that give it the container's user,
 * capabilities, no_new_privs and seccomp filter, in the order they are taken (runc's order:
 * bounding set, no_new_privs, seccomp, ids, then the capability sets). The init stage applies
 * them through the `Sys` seam (`runtime/stage/credentials.ts`); a container started in place
 * has its start trampoline make them as raw system calls (`start_tape.ts`).
 *
 * @module
 */

/** One step of taking on a container's credentials. */
export type CredentialStep =
  /** Hands descriptor `fd` (stdio mydocker made) to the container's user. */
  | { op: "fchown"; fd: number; uid: number; gid: number }
  /** Hands the file at `path` (the container's terminal) to the container's user. */
  | { op: "chown"; path: string; uid: number; gid: number }
  /** Drops `capability` from the bounding set. */
  | { op: "drop-bounding"; capability: number }
  /** Sets no_new_privs. */
  | { op: "no-new-privileges" }
  /** Installs the seccomp filter `filter` (the bytes of a `struct sock_filter[]`). */
  | { op: "seccomp"; filter: Uint8Array<ArrayBuffer> }
  /** Keeps the permitted set across the switch to a non-root user (PR_SET_KEEPCAPS). */
  | { op: "keep-capabilities" }
  /** Takes on the user: supplementary groups, then the group id, then the user id. */
  | { op: "user"; uid: number; gid: number; groups: readonly number[] }
  /** Clears the ambient capability set. */
  | { op: "clear-ambient" }
  /**
   * Sets the effective set to `mask`, the permitted one to `permitted` (else `mask`), the
   * inheritable one to `inheritable` (else empty).
   */
  | { op: "capabilities"; mask: bigint; permitted?: bigint; inheritable?: bigint }
  /** Raises `capability` in the ambient set (it must be permitted and inheritable). */
  | { op: "raise-ambient"; capability: number };

/**
 * A step only the start trampoline's tape takes, for a container created now and started later
 * (the OCI face's `create`): its process outlives the `create` that spawned it, says when it is
 * ready, and waits for `start` before it execs.
 */
export type HoldStep =
  /** Clears the parent-death signal the trampoline set (its parent, `create`, exits first). */
  | { op: "clear-death-signal" }
  /** Sets resource limit `resource` (RLIMIT_*) of the process to `soft` and `hard`. */
  | { op: "rlimit"; resource: number; soft: bigint; hard: bigint }
  /** Tells the host every earlier step was taken: the status pipe gets `{index, 0}`. */
  | { op: "report-ready" }
  /** Opens the exec fifo held at descriptor `fd` for writing: blocks until `start` reads it. */
  | { op: "wait-fifo"; fd: number };

/** A step of a start tape: a credential step or a hold step. */
export type StartStep = CredentialStep | HoldStep;

/** The step as a short call, for errors: `setresuid(1000)`, `capset(0x…)`. */
export function describeCredentialStep(step: StartStep): string {
  switch (step.op) {
    case "clear-death-signal":
      return "prctl(PR_SET_PDEATHSIG, 0)";
    case "rlimit":
      return `prlimit(${step.resource}, ${step.soft}, ${step.hard})`;
    case "report-ready":
      return "write(status, ready)";
    case "wait-fifo":
      return `open("/proc/self/fd/${step.fd}", O_WRONLY)`;
    case "fchown":
      return `fchown(${step.fd}, ${step.uid}, ${step.gid})`;
    case "chown":
      return `chown(${JSON.stringify(step.path)}, ${step.uid}, ${step.gid})`;
    case "drop-bounding":
      return `prctl(PR_CAPBSET_DROP, ${step.capability})`;
    case "no-new-privileges":
      return "prctl(PR_SET_NO_NEW_PRIVS)";
    case "keep-capabilities":
      return "prctl(PR_SET_KEEPCAPS, 1)";
    case "seccomp":
      return "seccomp(SECCOMP_SET_MODE_FILTER)";
    case "user":
      return `setgroups([${step.groups.join(", ")}]), setresgid(${step.gid}), ` +
        `setresuid(${step.uid})`;
    case "clear-ambient":
      return "prctl(PR_CAP_AMBIENT_CLEAR_ALL)";
    case "capabilities":
      return `capset(0x${step.mask.toString(16)})`;
    case "raise-ambient":
      return `prctl(PR_CAP_AMBIENT_RAISE, ${step.capability})`;
  }
}
