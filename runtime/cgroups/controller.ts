/**
 * The shape every cgroup controller module (memory, cpu, pids) fills in: which files hold which
 * values for a container's limits, on cgroup v1 and on cgroup v2. Pure data, no I/O.
 *
 * @module
 */

import type { ResourceLimits } from "../spec/resource_limits.ts";

/** One control file write: the file name inside the container's cgroup and the value. */
export type CgroupFileWrite = [file: string, value: string];

/** One controller's limits, as file writes for each cgroup version. */
export interface CgroupController {
  /** The controller's name, the same on v1 (subsystem) and v2 (`cgroup.controllers` entry). */
  name: string;
  /** The flags whose limits this controller applies, for error messages. */
  flags: string;
  /**
   * The writes, in order, into a v1 cgroup of this controller; `hasFile` says whether a control
   * file exists there (optional files such as `memory.memsw.limit_in_bytes`).
   */
  v1Files(limits: ResourceLimits, hasFile: (file: string) => boolean): CgroupFileWrite[];
  /** The writes, in order, into a v2 cgroup with this controller enabled. */
  v2Files(limits: ResourceLimits, hasFile: (file: string) => boolean): CgroupFileWrite[];
}
