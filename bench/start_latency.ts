/**
 * Start-to-exit latency of `mydocker run --rootfs DIR /bin/true` next to `crun run` on an
 * equivalent OCI bundle and `unshare --fork --pid --mount-proc chroot DIR /bin/true`.
 * Everything lives on a tmpfs, so the disk does not take part.
 *
 * @module
 */

import { makeBusyboxRootfs } from "../testing/busybox_rootfs.ts";
import { MYDOCKER } from "../testing/mydocker.ts";
import {
  makeTmpfs,
  measure,
  moveStrayV2Controllers,
  printTable,
  removeTmpfs,
  requireProgram,
} from "./support.ts";

/** Runs the start latency benchmark with `runs` runs per command. */
export async function benchStartLatency(runs: number): Promise<void> {
  await requireProgram("crun", "crun");
  await moveStrayV2Controllers();
  const tmpfs = await makeTmpfs();
  try {
    const made = await makeBusyboxRootfs();
    const rootfs = `${tmpfs}/rootfs`;
    await new Deno.Command("cp", { args: ["-a", made, rootfs] }).output();
    await Deno.remove(made, { recursive: true });
    const bundle = `${tmpfs}/bundle`;
    await Deno.mkdir(bundle);
    await Deno.symlink(rootfs, `${bundle}/rootfs`);
    await new Deno.Command("crun", { args: ["spec"], cwd: bundle }).output();
    const config = JSON.parse(await Deno.readTextFile(`${bundle}/config.json`));
    config.process.terminal = false;
    config.process.args = ["/bin/true"];
    config.root.readonly = false;
    await Deno.writeTextFile(`${bundle}/config.json`, JSON.stringify(config));
    const samples = await measure([
      {
        name: "mydocker",
        argv: () => [MYDOCKER, "run", "--rm", "--rootfs", rootfs, "bench", "/bin/true"],
        env: { MYDOCKER_ROOT: `${tmpfs}/state` },
      },
      {
        name: "crun",
        argv: (run) => ["crun", "run", "--bundle", bundle, `mydocker-bench-${Deno.pid}-${run}`],
      },
      {
        name: "unshare+chroot",
        argv: () => ["unshare", "--fork", "--pid", "--mount-proc", "chroot", rootfs, "/bin/true"],
      },
    ], runs);
    printTable(
      `Start-to-exit latency, ${runs} runs each, rootfs and state on tmpfs (deno task bench start)`,
      samples,
      "crun",
    );
  } finally {
    await removeTmpfs(tmpfs);
  }
}
