/**
 * The entry of the run bundle, `dist/run/` (`deno task bundle`, with runtime_main.ts): mydocker's
 * command line with the `run` command's modules bundled, which the launcher runs for `mydocker run`
 * while the bundle is newer than every source file. A bundle of a few files loads about 25 ms
 * faster than the 130 modules of a run from source; the other commands (but `runtime`) and the
 * hidden stages run from source.
 *
 * The bundle's files live two directories below the checkout, as `runtime/host/` and
 * `registry/pull/` do, so that what those modules resolve from `import.meta.url` (`../../main.ts`,
 * the unpacking worker) is the same file from a bundle.
 *
 * @module
 */

import { main } from "./cli/main.ts";

Deno.exit(
  await main(Deno.args, {
    "./run_command.ts": () => import("./cli/run_command.ts"),
    "./report_error.ts": () => import("./cli/report_error.ts"),
  }),
);
