/**
 * `deno task bench [SUITE...]`: runs the benchmarks (all when none is named) and prints tables
 * of medians with ratios against peers measured in the same run.
 *
 * @module
 */

import { benchImageStart } from "./image_start.ts";
import { benchNetwork } from "./network.ts";
import { benchOci } from "./oci.ts";
import { benchPull } from "./pull.ts";
import { benchStartLatency } from "./start_latency.ts";

/** Runs per command: `$BENCH_RUNS`, else `runs` (the suite's default). */
function runsOr(runs: number): number {
  const wanted = Number(Deno.env.get("BENCH_RUNS") ?? runs);
  if (!Number.isInteger(wanted) || wanted < 1) {
    throw new Error(`BENCH_RUNS must be a positive integer, not "${Deno.env.get("BENCH_RUNS")}"`);
  }
  return wanted;
}

const SUITES: Record<string, () => Promise<void>> = {
  start: () => benchStartLatency(runsOr(30)),
  pull: () => benchPull(runsOr(5)),
  "image-start": () => benchImageStart(runsOr(30)),
  network: () => benchNetwork(runsOr(20)),
  oci: () => benchOci(runsOr(10)),
};

const wanted = Deno.args.length > 0 ? Deno.args : Object.keys(SUITES);
for (const name of wanted) {
  const suite = SUITES[name];
  if (suite === undefined) {
    console.error(
      `Unknown benchmark suite "${name}"; choose from: ${Object.keys(SUITES).join(", ")}`,
    );
    Deno.exit(2);
  }
  await suite();
}
