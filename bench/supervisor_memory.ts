/**
 * Memory of what stays behind a running container: the resident set (`VmRSS`) of a detached
 * mydocker container's supervising process (its monitor, named in its `state.json`) and of
 * `--init`'s PID 1 (the state's `pid`), next to podman's conmon for `podman run -d` and PID 1 of
 * `podman run -d --init`, both with podman's own init (catatonit) and with tini. Each container
 * runs `sleep`; each row is measured a few times, one fresh container each, and removed at once.
 *
 * @module
 */

import type { ContainerState } from "../runtime/state/container_state.ts";
import { findContainer } from "../runtime/state/containers.ts";
import { MYDOCKER, waitFor } from "../testing/mydocker.ts";
import type { BusyboxPeers } from "./busybox_peers.ts";
import { median, vmRssKiB } from "./support.ts";

/** Containers started per row. */
const ROUNDS = 3;
/** How long a detached container may take to be recorded as running. */
const START_TIMEOUT_MS = 10_000;
/** How long a process is left to settle before its RSS is read. */
const SETTLE_MS = 300;

/** Containers the rows have started, for unique names. */
let started = 0;

/** One row: how to start a container, which process to measure, how to remove it. */
interface MemoryRow {
  /** The row's name. */
  name: string;
  /** The command as shown in the table. */
  command: string;
  /** Starts a detached container; returns the host pid to measure and a removal. */
  start(): Promise<{ pid: number; remove: () => Promise<void> }>;
}

/** Runs `argv`; returns its stdout, trimmed, or throws with its first line of stderr. */
async function outputOf(argv: readonly string[], env: Record<string, string>): Promise<string> {
  const output = await new Deno.Command(argv[0]!, { args: argv.slice(1), env }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes).trim();
  if (!output.success) {
    throw new Error(`exit ${output.code}: ${decode(output.stderr).split("\n")[0]}`);
  }
  return decode(output.stdout);
}

/**
 * A row for `mydocker run OPTIONS IMAGE sleep`, measuring the process `pick` names in its state:
 * detached, or (`detach` false) in the foreground, a mydocker process the bench ends with SIGTERM.
 */
function mydockerRow(
  peers: BusyboxPeers,
  name: string,
  options: { detach: boolean; flags: string[] },
  pick: (state: ContainerState) => number | undefined,
): MemoryRow {
  const env = peers.mydockerEnv;
  // Without a network of its own, as podman's rows (the bench leaves the host's network alone).
  const mode = options.detach ? ["-d", "--network=none"] : ["--rm", "--network=none"];
  return {
    name,
    command: `mydocker run ${
      [...mode, ...options.flags, peers.shown.mydocker].join(" ")
    } sleep 300`,
    async start() {
      const container = `bench-memory-${++started}`;
      const argv = [MYDOCKER, "run", "--name", container, ...mode, ...options.flags];
      argv.push(...peers.mydockerImage, "sleep", "300");
      let remove: () => Promise<void>;
      if (options.detach) {
        await outputOf(argv, env);
        remove = async () => void await outputOf([MYDOCKER, "rm", "-f", container], env);
      } else {
        const child = new Deno.Command(argv[0]!, {
          args: argv.slice(1),
          env,
          stdin: "null",
          stdout: "null",
          stderr: "null",
        }).spawn();
        remove = async () => {
          child.kill("SIGTERM");
          await child.status;
        };
      }
      let pid: number | undefined;
      await waitFor(() => {
        try {
          const { state } = findContainer(env.MYDOCKER_ROOT!, container);
          pid = state.status === "running" ? pick(state) : undefined;
        } catch {
          // Not recorded yet.
        }
        return pid !== undefined;
      }, START_TIMEOUT_MS);
      if (pid === undefined) {
        await remove();
        throw new Error(`container ${container} was not recorded as running with that process`);
      }
      return { pid, remove };
    },
  };
}

/** A row for `podman run -d OPTIONS IMAGE sleep`, measuring the process `field` names. */
function podmanRow(
  peers: BusyboxPeers,
  name: string,
  options: string[],
  field: "ConmonPid" | "Pid",
): MemoryRow {
  const env = peers.podmanEnv;
  const argv = [
    ...peers.podman,
    "run",
    "-d",
    "--network=none",
    ...options,
    ...peers.podmanImage,
    "sleep",
    "300",
  ];
  return {
    name,
    command: ["podman run -d --network=none", ...options, peers.shown.podman, "sleep 300"].join(
      " ",
    ),
    async start() {
      const id = await outputOf(argv, env);
      const remove = async () =>
        void await outputOf([...peers.podman, "rm", "-f", "-t", "0", id], env);
      const pid = Number(
        await outputOf([...peers.podman, "inspect", "--format", `{{.State.${field}}}`, id], env),
      );
      if (!(pid > 0)) {
        await remove();
        throw new Error(`podman names no ${field} for container ${id}`);
      }
      return { pid, remove };
    },
  };
}

/**
 * Removes every container left in mydocker's state root and podman's storage (a start that failed
 * half-way leaves one that no row knows the id of).
 */
async function removeAll(peers: BusyboxPeers): Promise<void> {
  const env = peers.mydockerEnv;
  const ids = (await outputOf([MYDOCKER, "ps", "-aq"], env)).split("\n").filter(Boolean);
  if (ids.length > 0) await outputOf([MYDOCKER, "rm", "-f", ...ids], env);
  await outputOf([...peers.podman, "rm", "-af", "-t", "0"], peers.podmanEnv);
}

/** Measures and prints the memory table for the containers of `peers`. */
export async function benchSupervisorMemory(peers: BusyboxPeers): Promise<void> {
  const rows = [
    mydockerRow(
      peers,
      "mydocker -d: its monitor",
      { detach: true, flags: [] },
      (state) => Number(state.monitor.split(" ")[0]) || undefined,
    ),
    mydockerRow(
      peers,
      "mydocker --init: PID 1",
      { detach: false, flags: ["--init"] },
      (state) => state.pid,
    ),
    podmanRow(peers, "podman -d: conmon", [], "ConmonPid"),
    podmanRow(peers, "podman -d --init: PID 1 (catatonit)", ["--init"], "Pid"),
    podmanRow(
      peers,
      "podman -d --init: PID 1 (tini)",
      ["--init", "--init-path=/usr/bin/tini-static"],
      "Pid",
    ),
  ];
  const results = new Map<MemoryRow, number[] | string>();
  for (let round = 0; round < ROUNDS; round++) {
    for (const row of rows) {
      const sizes = results.get(row) ?? [];
      if (typeof sizes === "string") continue; // It failed once: not tried again.
      try {
        const { pid, remove } = await row.start();
        try {
          await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
          sizes.push(await vmRssKiB(pid));
        } finally {
          await remove();
        }
        results.set(row, sizes);
      } catch (error) {
        results.set(row, `failed (${error instanceof Error ? error.message : error})`);
      }
    }
  }
  await removeAll(peers);
  const kib = (value: number) => String(Math.round(value));
  console.log(
    `\nResident memory (VmRSS) of the processes that stay with a running container, ` +
      `${ROUNDS} containers each, ${peers.source} (deno task bench start)`,
  );
  console.log("| process | median KiB | min KiB | max KiB | command |");
  console.log("|---|---:|---:|---:|---|");
  for (const row of rows) {
    const sizes = results.get(row)!;
    const cells = typeof sizes === "string"
      ? [sizes, "", ""]
      : [kib(median(sizes)), kib(Math.min(...sizes)), kib(Math.max(...sizes))];
    console.log(`| ${row.name} | ${cells.join(" | ")} | \`${row.command}\` |`);
  }
}
