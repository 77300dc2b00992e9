/**
 * `deno task bench [SUITE...]`: runs the benchmarks (all when none is named) and prints tables
 * of medians with ratios against peers measured in the same run.
 *
 * @module
 */

import { benchStartLatency } from "./start_latency.ts";

const SUITES: Record<string, () => Promise<void>> = {
  start: () => benchStartLatency(30),
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
