/**
 * The entry of the runtime bundle, beside the run bundle in `dist/run/` (`deno task bundle`):
 * mydocker's OCI runtime face (`mydocker runtime …`, what `mydocker-runc` runs for containerd and
 * dockerd, several times per container), bundled as run_main.ts bundles `run`.
 *
 * @module
 */

import { runtimeCommand } from "./cli/runtime_command.ts";

Deno.exit(await runtimeCommand(Deno.args.slice(1)));
