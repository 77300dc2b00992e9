/**
 * Which of a process's standard descriptors its container's user may be given, as runc's
 * `fixStdioPermissions` decides: pipes, sockets and files, so that a non-root command can reopen
 * `/dev/stdout` and `/dev/stderr`. Never a device: a detached container's monitor has the host's
 * /dev/null as its own stdout, and chowning it would hand it to the container's user.
 *
 * @module
 */

/** Of descriptors `fds` (of this process), those that are not devices. */
export function ownableStdio(fds: readonly number[]): number[] {
  return fds.filter((fd) => {
    const info = Deno.statSync(`/proc/self/fd/${fd}`);
    return !info.isCharDevice && !info.isBlockDevice;
  });
}
