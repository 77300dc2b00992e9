/**
 * Start-to-exit latency of `mydocker run --rm IMAGE /bin/true` for a stored image, next to
 * `podman run --rm` of the same image pulled from the same loopback registry (see
 * busybox_peers.ts). Stores, podman's storage and the registry live on a tmpfs.
 *
 * @module
 */

import { MYDOCKER } from "../testing/mydocker.ts";
import { prepareBusyboxPeers } from "./busybox_peers.ts";
import { makeTmpfs, measure, median, printTable, removeTmpfs, sampleNamed } from "./support.ts";

/** Runs the stored-image start benchmark with `runs` interleaved runs per command. */
export async function benchImageStart(runs: number): Promise<void> {
  const tmpfs = await makeTmpfs();
  try {
    const peers = await prepareBusyboxPeers(tmpfs);
    try {
      const samples = await measure([
        {
          name: "mydocker",
          argv: () => [
            MYDOCKER,
            "run",
            "--rm",
            "--network",
            "none",
            ...peers.mydockerImage,
            "/bin/true",
          ],
          env: peers.mydockerEnv,
          display: `mydocker run --rm --network none ${peers.shown.mydocker} /bin/true`,
        },
        {
          name: "podman",
          argv: () => [
            ...peers.podman,
            "run",
            "--rm",
            "--network",
            "none",
            ...peers.podmanImage,
            "/bin/true",
          ],
          env: peers.podmanEnv,
          display: `podman run --rm --network none ${peers.shown.podman} /bin/true`,
        },
      ], runs);
      printTable(
        `Start-to-exit latency, ${runs} runs each, ${peers.source}, all on tmpfs ` +
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
      await peers.registry?.stop();
    }
  } finally {
    await removeTmpfs(tmpfs);
  }
}
