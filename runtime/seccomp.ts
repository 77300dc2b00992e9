/**
 * Docker's default seccomp profile, compiled to a BPF program and installed on the calling
 * thread just before the container's command is executed.
 *
 * @module
 */

/**
 * Installs the default profile on the calling thread; rules that Docker conditions on a
 * capability follow `capabilities` (the set the container keeps).
 */
export function installSeccomp(_capabilities: readonly string[]): void {
  // Filled in by the seccomp work (see the issue); installs nothing yet.
}
