/**
 * One busybox image for every start benchmark, ready for mydocker, podman and crun alike: pushed
 * by the tests' image builder to a loopback `docker-registry` and pulled into mydocker's store and
 * podman's storage, all on the bench's tmpfs. Without `docker-registry` (Debian's package, which
 * `tests/setup.sh` installs) both run a busybox root directory with `--rootfs` instead, and the
 * tables say so.
 *
 * Podman needs two adjustments here: crun refuses the hybrid cgroup layout while a controller sits
 * on the v2 hierarchy (moved to v1 by moveStrayV2Controllers), and its default RLIMIT_NPROC is
 * higher than root may set without CAP_SYS_RESOURCE (a containers.conf with lower
 * default_ulimits).
 *
 * @module
 */

import { makeBusyboxRootfs } from "../testing/busybox_rootfs.ts";
import { busyboxEntries, pushImage } from "../testing/image_builder.ts";
import { MYDOCKER } from "../testing/mydocker.ts";
import type { TestRegistry } from "../testing/registry_server.ts";
import { startRegistryIn } from "./pull.ts";
import { hasProgram, installMissing, moveStrayV2Controllers } from "./support.ts";

/** The peers' programs and their Debian packages (catatonit is podman's `--init`). */
export const PEER_PACKAGES: readonly [string, string][] = [
  ["podman", "podman"],
  ["conmon", "conmon"],
  ["crun", "crun"],
  ["catatonit", "catatonit"],
  ["tini-static", "tini"],
];

/** The same busybox, as each peer is given it. */
export interface BusyboxPeers {
  /** How the image is given: a stored image from the loopback registry, or `--rootfs`. */
  source: string;
  /** mydocker's arguments naming it (before the command). */
  mydockerImage: string[];
  /** How tables show the arguments naming it to mydocker and to podman. */
  shown: { mydocker: string; podman: string };
  /** mydocker's environment: its state root on the tmpfs (and the registry's config). */
  mydockerEnv: Record<string, string>;
  /** `podman` with its storage on the tmpfs. */
  podman: string[];
  /** podman's arguments naming it (before the command). */
  podmanImage: string[];
  /** podman's environment (its containers.conf). */
  podmanEnv: Record<string, string>;
  /** A busybox root directory on the tmpfs (the rootfs of crun's bundle). */
  rootfs: string;
  /** The registry, when there is one. */
  registry: TestRegistry | undefined;
}

/** The containers.conf podman runs with: limits root can set here, no systemd, no event log. */
function containersConf(): string {
  return [
    "[containers]",
    'default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]',
    "[engine]",
    'events_logger = "none"',
    'cgroup_manager = "cgroupfs"',
    "",
  ].join("\n");
}

/** Runs a setup command; throws with its stderr when it fails. */
export async function check(argv: readonly string[], env: Record<string, string>): Promise<void> {
  const output = await new Deno.Command(argv[0]!, { args: argv.slice(1), env }).output();
  if (!output.success) {
    throw new Error(
      `Benchmark setup failed: ${argv.join(" ")}\n${new TextDecoder().decode(output.stderr)}`,
    );
  }
}

/**
 * Installs the peers when missing, and stores busybox for mydocker and podman below `tmpfs`.
 * The caller stops `registry` (when there is one) before removing the tmpfs.
 */
export async function prepareBusyboxPeers(tmpfs: string): Promise<BusyboxPeers> {
  await installMissing(PEER_PACKAGES);
  // mydocker's run starts from its bundle, as after `deno task install` (see run_main.ts).
  const checkout = MYDOCKER.slice(0, MYDOCKER.lastIndexOf("/"));
  await check(["deno", "task", "--quiet", `--config=${checkout}/deno.json`, "bundle"], {});
  await moveStrayV2Controllers();
  const made = await makeBusyboxRootfs();
  const rootfs = `${tmpfs}/rootfs`;
  await check(["cp", "-a", made, rootfs], {});
  await Deno.remove(made, { recursive: true });
  await Deno.writeTextFile(`${tmpfs}/containers.conf`, containersConf());
  const podmanEnv = { CONTAINERS_CONF: `${tmpfs}/containers.conf` };
  const podman = ["podman", "--root", `${tmpfs}/podman`, "--runroot", `${tmpfs}/podman-run`];
  const stateRoot = { MYDOCKER_ROOT: `${tmpfs}/mydocker` };
  if (!(await hasProgram("docker-registry"))) {
    // Without the default bridge, as the registry's config has it: the peers run --network=none.
    await Deno.writeTextFile(`${tmpfs}/mydocker-config.json`, '{"bridge": "none"}\n');
    return {
      source: "`--rootfs` of a busybox directory (no docker-registry here for a stored image)",
      mydockerImage: ["--rootfs", rootfs, "busybox"],
      shown: { mydocker: "--rootfs DIR busybox", podman: "--rootfs DIR" },
      mydockerEnv: { ...stateRoot, MYDOCKER_CONFIG: `${tmpfs}/mydocker-config.json` },
      podman,
      podmanImage: ["--rootfs", `${rootfs}:O`],
      podmanEnv,
      rootfs,
      registry: undefined,
    };
  }
  const registry = await startRegistryIn(`${tmpfs}/registry`);
  try {
    await pushImage(registry, "library/busybox", "latest", {
      layers: [{ entries: await busyboxEntries() }],
    });
    const image = `${registry.host}/library/busybox:latest`;
    const mydockerEnv = { ...registry.env, ...stateRoot };
    await check([...podman, "pull", "-q", "--tls-verify=false", image], podmanEnv);
    await check([MYDOCKER, "pull", "-q", image], mydockerEnv);
    return {
      source: "a stored busybox image (pulled from a loopback registry into a store on tmpfs)",
      mydockerImage: [image],
      shown: { mydocker: "IMAGE", podman: "IMAGE" },
      mydockerEnv,
      podman,
      podmanImage: [image],
      podmanEnv,
      rootfs,
      registry,
    };
  } catch (error) {
    await registry.stop();
    throw error;
  }
}
