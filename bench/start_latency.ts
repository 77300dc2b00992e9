/**
 * `deno task bench start`: start-to-exit latency of `mydocker run --rm IMAGE /bin/true` (and the
 * same with `MYDOCKER_INIT_PROCESS=1`, the fallback path through a separate init-stage process),
 * interleaved in one run with a bare `deno run` of an empty module (with the launcher's own Deno
 * flags), `podman run --rm --network=none` of the same image and `crun run` of an equivalent
 * bundle; ratios against the bare Deno start and against podman, and the targets.
 * Everything lives on a tmpfs, so the disk does not take part.
 *
 * @module
 */

import { MYDOCKER } from "../testing/mydocker.ts";
import { type BusyboxPeers, check, prepareBusyboxPeers } from "./busybox_peers.ts";
import { benchSupervisorMemory } from "./supervisor_memory.ts";
import { makeTmpfs, measure, median, printTable, removeTmpfs, sampleNamed } from "./support.ts";

/** The targets: the median start as a multiple of the bare Deno start, and of podman's. */
const TARGET_DENO_RATIO = 2.0;
const TARGET_PODMAN_RATIO = 0.35;

/** The launcher's directory (`$here` in it). */
function launcherDir(): string {
  return MYDOCKER.slice(0, MYDOCKER.lastIndexOf("/"));
}

/**
 * The Deno flags the launcher (`./mydocker`) runs `run` with, read from the launcher itself so
 * that the bare Deno start cannot drift from it: its `exec deno run` line's options, `$here`
 * replaced by the launcher's directory and `$v8` by what its case for `run` sets.
 */
async function launcherDenoFlags(): Promise<string[]> {
  const script = (await Deno.readTextFile(MYDOCKER)).replaceAll("\\\n", " ");
  const line = script.split("\n").find((l) => l.trim().startsWith("exec deno run "));
  const v8 = script.match(/^\s*run\b[^)\n]*\)[^\n]*\sv8=(\S+)/m)?.[1];
  if (line === undefined || v8 === undefined) {
    throw new Error(`No "exec deno run" line or no v8 flags for run in ${MYDOCKER}`);
  }
  return line.trim().split(/\s+/).slice(3)
    .filter((word) => word.startsWith("--"))
    .map((word) =>
      word.replaceAll('"', "").replaceAll("$here", launcherDir()).replaceAll("$v8", v8)
    );
}

/** Writes crun's bundle for `peers.rootfs` below `tmpfs`: `crun spec`, running /bin/true. */
async function makeCrunBundle(tmpfs: string, peers: BusyboxPeers): Promise<string> {
  const bundle = `${tmpfs}/bundle`;
  await Deno.mkdir(bundle);
  await Deno.symlink(peers.rootfs, `${bundle}/rootfs`);
  await check(["crun", "spec", "--bundle", bundle], {});
  const config = JSON.parse(await Deno.readTextFile(`${bundle}/config.json`));
  config.process.terminal = false;
  config.process.args = ["/bin/true"];
  config.root.readonly = false;
  await Deno.writeTextFile(`${bundle}/config.json`, JSON.stringify(config));
  return bundle;
}

/** Runs the start benchmark with `runs` interleaved runs per command, then the memory table. */
export async function benchStartLatency(runs: number): Promise<void> {
  const tmpfs = await makeTmpfs();
  try {
    const peers = await prepareBusyboxPeers(tmpfs);
    try {
      const bundle = await makeCrunBundle(tmpfs, peers);
      const empty = `${tmpfs}/empty.ts`;
      await Deno.writeTextFile(empty, "");
      const denoFlags = await launcherDenoFlags();
      // Both without a network of their own (each has its bridge: `deno task bench network`).
      const mydocker = [
        MYDOCKER,
        "run",
        "--rm",
        "--network=none",
        ...peers.mydockerImage,
        "/bin/true",
      ];
      const shown = `mydocker run --rm --network=none ${peers.shown.mydocker} /bin/true`;
      const samples = await measure([
        { name: "mydocker", argv: () => mydocker, env: peers.mydockerEnv, display: shown },
        {
          name: "mydocker, fallback",
          argv: () => mydocker,
          env: { ...peers.mydockerEnv, MYDOCKER_INIT_PROCESS: "1" },
          display: `MYDOCKER_INIT_PROCESS=1 ${shown}`,
        },
        {
          name: "deno",
          argv: () => ["deno", "run", ...denoFlags, empty],
          display: `deno run ${denoFlags.join(" ").replaceAll(launcherDir(), ".")} empty.ts`,
        },
        {
          name: "podman",
          argv: () => [
            ...peers.podman,
            "run",
            "--rm",
            "--network=none",
            ...peers.podmanImage,
            "/bin/true",
          ],
          env: peers.podmanEnv,
          display: `podman run --rm --network=none ${peers.shown.podman} /bin/true`,
        },
        {
          name: "crun",
          argv: (run) => ["crun", "run", "--bundle", bundle, `mydocker-bench-${Deno.pid}-${run}`],
          display: "crun run --bundle BUNDLE ID",
        },
      ], runs);
      printTable(
        `Start-to-exit latency, ${runs} interleaved runs each, ${peers.source}, state on tmpfs ` +
          "(deno task bench start)",
        samples,
        "deno",
        { moreBaselines: ["podman"] },
      );
      const time = (name: string) => median(sampleNamed(samples, name).times);
      const toDeno = time("mydocker") / time("deno");
      const toPodman = time("mydocker") / time("podman");
      const verdict = (ok: boolean) => ok ? "yes" : "NO";
      console.log(
        `\nTargets: <= ${TARGET_DENO_RATIO}x the bare Deno start: ` +
          `${verdict(toDeno <= TARGET_DENO_RATIO)} (${toDeno.toFixed(2)}x); ` +
          `<= ${TARGET_PODMAN_RATIO}x podman: ${verdict(toPodman <= TARGET_PODMAN_RATIO)} ` +
          `(${toPodman.toFixed(2)}x); the fallback path: ` +
          `${(time("mydocker, fallback") / time("deno")).toFixed(2)}x the bare Deno start`,
      );
      await benchSupervisorMemory(peers);
    } finally {
      await peers.registry?.stop();
    }
  } finally {
    await removeTmpfs(tmpfs);
  }
}
