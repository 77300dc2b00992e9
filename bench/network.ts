/**
 * `deno task bench network`: the default bridge's cost and speed, inside a network namespace of
 * the bench's own (never the machine's network): start-to-exit latency of `mydocker run --rm
 * IMAGE /bin/true` on the default bridge against `podman run --rm` on podman's default network
 * (netavark's bridge), with `--network none` of both for reference, interleaved in one run; then
 * TCP throughput from the host to an `iperf3 -s` in a container through `-p 5201:5201` on the
 * host's loopback, mydocker against podman. Docker is left out: dockerd is not installed here.
 *
 * @module
 */

import { MYDOCKER } from "../testing/mydocker.ts";
import { prepareBusyboxPeers } from "./busybox_peers.ts";
import {
  installMissing,
  makeTmpfs,
  measure,
  median,
  printTable,
  removeTmpfs,
  sampleNamed,
} from "./support.ts";

/** The targets: bridge start at most this times podman's; `-p` throughput at least podman's. */
const TARGET_START_RATIO = 0.5;
const TARGET_THROUGHPUT_RATIO = 1.0;
/** Seconds each iperf3 run sends for. */
const IPERF_SECONDS = 5;

/** A process holding a new network namespace (loopback up) until it is killed. */
function holdNamespace(): Deno.ChildProcess {
  return new Deno.Command("unshare", {
    args: ["--net", "sh", "-c", "ip link set lo up && exec sleep infinity"],
    stdin: "null",
  }).spawn();
}

/** The bits per second an iperf3 client in `ns` measured to 127.0.0.1:5201, once it connects. */
async function iperfClient(ns: string[]): Promise<number> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const output = await new Deno.Command(ns[0]!, {
      args: [
        ...ns.slice(1),
        "iperf3",
        "-c",
        "127.0.0.1",
        "--connect-timeout",
        "1000",
        "-t",
        String(IPERF_SECONDS),
        "-J",
      ],
      stdout: "piped",
      stderr: "null",
    }).output();
    // A client that came before the server listened fails, or reports an error: retry.
    const report = output.success ? JSON.parse(new TextDecoder().decode(output.stdout)) : {};
    const rate = report.end?.sum_received?.bits_per_second;
    if (typeof rate === "number" && rate > 0) return rate;
    if (Date.now() > deadline) throw new Error("iperf3 never reached the container's server");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Runs `server` (a container serving iperf3) in the background, measures it, and stops it. */
async function throughput(
  ns: string[],
  server: string[],
  env: Record<string, string>,
): Promise<number> {
  const child = new Deno.Command(ns[0]!, {
    args: [...ns.slice(1), ...server],
    env,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  try {
    return await iperfClient(ns);
  } finally {
    child.kill("SIGTERM");
    await child.output();
  }
}

/** Runs the network benchmark: `runs` interleaved starts per command, 3 throughput rounds. */
export async function benchNetwork(runs: number): Promise<void> {
  await installMissing([["iperf3", "iperf3"]]);
  const tmpfs = await makeTmpfs();
  const holder = holdNamespace();
  try {
    const peers = await prepareBusyboxPeers(tmpfs);
    try {
      const ns = ["nsenter", `--net=/proc/${holder.pid}/ns/net`];
      // The store the peers filled, with a config of mydocker's defaults (the default bridge).
      const config = `${tmpfs}/mydocker-config.json`;
      await Deno.writeTextFile(config, "{}\n");
      const env = { ...peers.mydockerEnv, MYDOCKER_CONFIG: config };
      const mydocker = [...ns, MYDOCKER, "run", "--rm"];
      const podman = [...ns, ...peers.podman, "run", "--rm"];
      const samples = await measure([
        {
          name: "mydocker, bridge",
          argv: () => [...mydocker, ...peers.mydockerImage, "/bin/true"],
          env,
          display: `mydocker run --rm ${peers.shown.mydocker} /bin/true`,
        },
        {
          name: "mydocker, none",
          argv: () => [...mydocker, "--network", "none", ...peers.mydockerImage, "/bin/true"],
          env,
          display: `mydocker run --rm --network none ${peers.shown.mydocker} /bin/true`,
        },
        {
          name: "podman, bridge",
          argv: () => [...podman, ...peers.podmanImage, "/bin/true"],
          env: peers.podmanEnv,
          display: `podman run --rm ${peers.shown.podman} /bin/true`,
        },
        {
          name: "podman, none",
          argv: () => [...podman, "--network=none", ...peers.podmanImage, "/bin/true"],
          env: peers.podmanEnv,
          display: `podman run --rm --network=none ${peers.shown.podman} /bin/true`,
        },
      ], runs);
      printTable(
        `Start-to-exit latency with a network, ${runs} interleaved runs each, ${peers.source}, ` +
          "in a network namespace of the bench's (deno task bench network)",
        samples,
        "podman, bridge",
      );
      const iperf = ["-p", "5201:5201", "--rootfs"];
      const rates = { mydocker: [] as number[], podman: [] as number[] };
      for (let round = 0; round < 3; round++) {
        rates.mydocker.push(
          await throughput(
            ns,
            [MYDOCKER, "run", "--rm", ...iperf, "/", "x", "iperf3", "-s"],
            env,
          ),
        );
        rates.podman.push(
          await throughput(
            ns,
            [...peers.podman, "run", "--rm", ...iperf, "/:O", "iperf3", "-s"],
            peers.podmanEnv,
          ),
        );
      }
      const gbps = (values: number[]) => (median(values) / 1e9).toFixed(2);
      console.log(
        `\nTCP throughput host -> container through -p 5201:5201 on 127.0.0.1, iperf3 -t ` +
          `${IPERF_SECONDS}, median of 3 interleaved rounds`,
      );
      console.log("| what | Gbit/s | command |\n|---|---:|---|");
      console.log(
        `| mydocker | ${
          gbps(rates.mydocker)
        } | \`mydocker run --rm -p 5201:5201 --rootfs / x iperf3 -s\` |`,
      );
      console.log(
        `| podman | ${
          gbps(rates.podman)
        } | \`podman run --rm -p 5201:5201 --rootfs /:O iperf3 -s\` |`,
      );
      const start = median(sampleNamed(samples, "mydocker, bridge").times) /
        median(sampleNamed(samples, "podman, bridge").times);
      const speed = median(rates.mydocker) / median(rates.podman);
      const verdict = (ok: boolean) => ok ? "yes" : "NO";
      console.log(
        `\nTargets: bridge start <= ${TARGET_START_RATIO}x podman's: ` +
          `${verdict(start <= TARGET_START_RATIO)} (${start.toFixed(2)}x); -p throughput >= ` +
          `podman's: ${verdict(speed >= TARGET_THROUGHPUT_RATIO)} (${speed.toFixed(2)}x)`,
      );
    } finally {
      await peers.registry?.stop();
    }
  } finally {
    holder.kill("SIGKILL");
    await holder.status;
    await removeTmpfs(tmpfs);
  }
}
