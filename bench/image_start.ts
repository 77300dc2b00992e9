/**
 * Start-to-exit latency of `mydocker run --rm IMAGE /bin/true` for a stored image, next to
 * `podman run --rm` of the same image pulled from the same loopback registry. Stores, podman's
 * storage and the registry live on a tmpfs.
 *
 * Podman needs two adjustments here, made by this script: crun refuses the hybrid cgroup layout
 * while a controller sits on the v2 hierarchy (moved to v1 by moveStrayV2Controllers), and its
 * default RLIMIT_NPROC is higher than root may set without CAP_SYS_RESOURCE (a containers.conf
 * with lower default_ulimits).
 *
 * @module
 */

import { MYDOCKER } from "../testing/mydocker.ts";
import { busyboxEntries, pushImage } from "../testing/image_builder.ts";
import {
  makeTmpfs,
  measure,
  median,
  moveStrayV2Controllers,
  printTable,
  removeTmpfs,
  requireProgram,
  sampleNamed,
} from "./support.ts";
import { startRegistryIn } from "./pull.ts";

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

async function check(argv: string[], env: Record<string, string>): Promise<void> {
  const output = await new Deno.Command(argv[0]!, { args: argv.slice(1), env }).output();
  if (!output.success) {
    throw new Error(
      `Benchmark setup failed: ${argv.join(" ")}\n${new TextDecoder().decode(output.stderr)}`,
    );
  }
}

/** Runs the stored-image start benchmark with `runs` interleaved runs per command. */
export async function benchImageStart(runs: number): Promise<void> {
  await requireProgram("podman", "podman");
  await moveStrayV2Controllers();
  const tmpfs = await makeTmpfs();
  const registry = await startRegistryIn(`${tmpfs}/registry`);
  try {
    await pushImage(registry, "library/busybox", "latest", {
      layers: [{ entries: await busyboxEntries() }],
    });
    const image = `${registry.host}/library/busybox:latest`;
    await Deno.writeTextFile(`${tmpfs}/containers.conf`, containersConf());
    const podmanEnv = { CONTAINERS_CONF: `${tmpfs}/containers.conf` };
    const podman = ["podman", "--root", `${tmpfs}/podman`, "--runroot", `${tmpfs}/podman-run`];
    const mydockerEnv = { ...registry.env, MYDOCKER_ROOT: `${tmpfs}/mydocker` };
    await check([...podman, "pull", "-q", "--tls-verify=false", image], podmanEnv);
    await check([MYDOCKER, "pull", "-q", image], mydockerEnv);
    const samples = await measure([
      {
        name: "mydocker",
        argv: () => [MYDOCKER, "run", "--rm", image, "/bin/true"],
        env: mydockerEnv,
      },
      {
        name: "podman",
        argv: () => [...podman, "run", "--rm", "--network", "none", image, "/bin/true"],
        env: podmanEnv,
      },
    ], runs);
    printTable(
      `Start-to-exit latency of a stored image, ${runs} runs each, all on tmpfs ` +
        "(deno task bench image-start)",
      samples,
      "podman",
    );
    const ratio = median(sampleNamed(samples, "mydocker").times) /
      median(sampleNamed(samples, "podman").times);
    console.log(
      `\nTarget: under a third of podman's median: ${ratio < 1 / 3 ? "yes" : "NO"} (${
        ratio.toFixed(2)
      }x)`,
    );
  } finally {
    await registry.stop();
    await removeTmpfs(tmpfs);
  }
}
