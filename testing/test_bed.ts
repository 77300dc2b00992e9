/**
 * What an integration test file of `mydocker run` needs: a busybox root and a state root of its
 * own, both removed when the file's tests are done.
 *
 * @module
 */

import { makeBusyboxRootfs } from "./busybox_rootfs.ts";

/** A test file's roots and the environment that points mydocker at its state root. */
export interface TestBed {
  /** A busybox root file system, for `--rootfs`. */
  rootfs: string;
  /** The file's own state root (store and containers). */
  stateRoot: string;
  /** The environment that points mydocker at `stateRoot`. */
  env: { MYDOCKER_ROOT: string };
}

/** Makes the roots; they are removed when the test module unloads. */
export async function makeTestBed(): Promise<TestBed> {
  const rootfs = await makeBusyboxRootfs();
  const stateRoot = await Deno.makeTempDir({ prefix: "mydocker-test-state-" });
  globalThis.addEventListener("unload", () => {
    for (const dir of [rootfs, stateRoot]) {
      try {
        Deno.removeSync(dir, { recursive: true });
      } catch {
        // Already gone.
      }
    }
  });
  return { rootfs, stateRoot, env: { MYDOCKER_ROOT: stateRoot } };
}
