/**
 * The overlay's mount data on the recording fake: the classic absolute `lowerdir` while it fits
 * in one page, numbered links mounted from inside their directory when it does not.
 */

import assert from "node:assert/strict";
import { mountOverlay } from "../runtime/stage/rootfs.ts";
import { FakeSys } from "../testing/fake_sys.ts";

const layer = (index: number) =>
  `/var/lib/mydocker/layers/${index.toString(16).padStart(64, "0")}/diff`;
const rootfs = (count: number) => ({
  lowerDirs: Array.from({ length: count }, (_, index) => layer(index)),
  upperDir: "/var/lib/mydocker/containers/c/upper",
  workDir: "/var/lib/mydocker/containers/c/work",
  mountPoint: "/var/lib/mydocker/containers/c/rootfs",
  readonly: false,
  noPivot: false,
});

Deno.test("mountOverlay() passes absolute layer paths while they fit in a page", () => {
  const sys = new FakeSys();
  mountOverlay(rootfs(2), sys);
  assert.deepEqual(sys.callsTo("mount").map((call) => call.args), [[
    "overlay",
    "/var/lib/mydocker/containers/c/rootfs",
    "overlay",
    0,
    `lowerdir=${layer(0)}:${layer(1)},upperdir=/var/lib/mydocker/containers/c/upper,` +
    "workdir=/var/lib/mydocker/containers/c/work",
  ]]);
});

Deno.test("mountOverlay() mounts 120 layers through short numbered links, within one page", () => {
  const sys = new FakeSys();
  mountOverlay(rootfs(120), sys);
  const links = "/var/lib/mydocker/containers/c/lower";
  assert.equal(sys.callsTo("symlink").length, 120);
  assert.deepEqual(sys.callsTo("symlink")[7]!.args, [layer(7), `${links}/7`]);
  assert.deepEqual(sys.callsTo("chdir").map((call) => call.args), [[links]]);
  const [mount] = sys.callsTo("mount");
  const data = String(mount!.args[4]);
  assert.ok(data.length < 4096, `${data.length} bytes`);
  assert.ok(data.startsWith(`lowerdir=${Array.from({ length: 120 }, (_, i) => i).join(":")},`));
  assert.ok(sys.indexOf("chdir") < sys.indexOf("mount"));
});
