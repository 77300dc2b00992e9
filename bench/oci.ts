/**
 * `docker run --rm --runtime R busybox true` with mydocker's OCI runtime, runc and crun as R,
 * under one dockerd of the bench's own (as the OCI Docker tests start it), interleaved in one
 * run; then how long each runtime call took (containerd's shim calls the runtime several times
 * per container: create, start, state, kill, delete), from a wrapper that times each call.
 *
 * @module
 */

import { HIERARCHY_MOUNT_POINTS } from "../testing/container_cgroups.ts";
import { writeBusyboxArchive } from "../testing/docker_archive.ts";
import { startDockerd } from "../testing/dockerd.ts";
import {
  installMissing,
  measure,
  median,
  moveStrayV2Controllers,
  printTable,
  sampleNamed,
} from "./support.ts";

const LAUNCHER = new URL("../mydocker-runc", import.meta.url).pathname;
const IMAGE = "mydocker-oci-bench:latest";

/** A shell wrapper around `program` that appends `COMMAND MILLISECONDS` per call to `log`. */
function timingWrapper(program: string, log: string): string {
  return `#!/bin/sh
start=$(date +%s%N)
command=""
skip=0
for arg in "$@"; do
  if [ $skip = 1 ]; then skip=0; continue; fi
  case $arg in
    --root|--log|--log-format|--criu) skip=1 ;;
    -*) ;;
    *) command=$arg; break ;;
  esac
done
"${program}" "$@"
code=$?
echo "$command $(( ($(date +%s%N) - start) / 1000 ))" >> "${log}"
exit $code
`;
}

/** Median milliseconds of each runtime call in `log`, in the order first seen. */
async function callMedians(log: string): Promise<[string, number, number][]> {
  const calls = new Map<string, number[]>();
  for (const line of (await Deno.readTextFile(log)).split("\n")) {
    const [command, micros] = line.split(" ");
    if (command === undefined || micros === undefined) continue;
    calls.set(command, [...calls.get(command) ?? [], Number(micros) / 1000]);
  }
  return [...calls].map(([command, times]) => [command, times.length, median(times)]);
}

/** Runs the OCI runtime benchmark with `runs` interleaved runs per runtime. */
export async function benchOci(runs: number): Promise<void> {
  await installMissing([["dockerd", "docker.io"], ["runc", "runc"], ["crun", "crun"]]);
  await moveStrayV2Controllers();
  // dockerd's cgroup parent in each hierarchy, removed afterwards unless it was there before.
  const dockerCgroups = HIERARCHY_MOUNT_POINTS.map((mountPoint) => `${mountPoint}/docker`)
    .filter((path) => {
      try {
        Deno.statSync(path);
        return false;
      } catch {
        return true;
      }
    });
  const dir = await Deno.makeTempDir({ prefix: "mydocker-bench-oci-" });
  try {
    const runtimes: Record<string, string> = {};
    for (
      const [name, program] of [["mydocker", LAUNCHER], ["runc", "/usr/sbin/runc"], [
        "crun",
        "/usr/bin/crun",
      ]] as const
    ) {
      const wrapper = `${dir}/${name}-timed`;
      await Deno.writeTextFile(wrapper, timingWrapper(program, `${dir}/${name}.log`), {
        mode: 0o755,
      });
      runtimes[`${name}-timed`] = wrapper;
    }
    const dockerd = await startDockerd(runtimes);
    try {
      await writeBusyboxArchive(`${dir}/busybox.tar`, IMAGE);
      const loaded = await dockerd.docker(["load", "-i", `${dir}/busybox.tar`]);
      if (loaded.code !== 0) throw new Error(`docker load failed: ${loaded.stderrText}`);
      const names = ["mydocker", "runc", "crun"];
      const samples = await measure(
        names.map((name) => ({
          name,
          argv: () => [
            "/usr/bin/docker",
            ...dockerd.host,
            "run",
            "--rm",
            "--runtime",
            `${name}-timed`,
            IMAGE,
            "true",
          ],
          display: `docker run --rm --runtime ${name} busybox true`,
        })),
        runs,
      );
      printTable(
        `docker run --rm, ${runs} runs each, dockerd 20.10 with containerd 1.6 (deno task bench oci)`,
        samples,
        "runc",
        { moreBaselines: ["crun"] },
      );
      const ratio = median(sampleNamed(samples, "mydocker").times) /
        median(sampleNamed(samples, "runc").times);
      console.log(`\nmydocker / runc: ${ratio.toFixed(2)}x\n`);
      console.log("Median ms per runtime call (count), as the runc shim made them:");
      for (const name of names) {
        const calls = await callMedians(`${dir}/${name}.log`);
        console.log(
          `  ${name.padEnd(9)} ${
            calls.map(([command, count, ms]) => `${command} ${ms.toFixed(0)} (${count})`).join(
              ", ",
            )
          }`,
        );
      }
    } finally {
      const left = (await dockerd.docker(["ps", "-aq"])).stdoutText.split("\n").filter(Boolean);
      for (const id of left) await dockerd.docker(["rm", "-f", id]);
      await dockerd.stop();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
    for (const path of dockerCgroups) await Deno.remove(path).catch(() => {});
  }
}
