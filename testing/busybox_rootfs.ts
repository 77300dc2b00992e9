/**
 * A root file system for tests, made from Debian's static busybox: /bin/busybox, a symlink per
 * applet, and minimal /etc files.
 *
 * @module
 */

const BUSYBOX = "/bin/busybox";

/** Creates a busybox root in a new temporary directory and returns its path. */
export async function makeBusyboxRootfs(): Promise<string> {
  try {
    await Deno.stat(BUSYBOX);
  } catch {
    throw new Error(`${BUSYBOX} is missing: install Debian's busybox-static (.ci/run does)`);
  }
  const root = await Deno.makeTempDir({ prefix: "mydocker-test-rootfs-" });
  await Deno.mkdir(`${root}/bin`);
  await Deno.mkdir(`${root}/etc`);
  await Deno.mkdir(`${root}/root`);
  await Deno.mkdir(`${root}/tmp`, { mode: 0o1777 });
  await Deno.copyFile(BUSYBOX, `${root}/bin/busybox`);
  await Deno.chmod(`${root}/bin/busybox`, 0o755);
  const list = await new Deno.Command(BUSYBOX, { args: ["--list"] }).output();
  for (const applet of new TextDecoder().decode(list.stdout).split("\n")) {
    if (applet !== "" && applet !== "busybox") {
      await Deno.symlink("busybox", `${root}/bin/${applet}`);
    }
  }
  await Deno.writeTextFile(
    `${root}/etc/passwd`,
    "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n",
  );
  await Deno.writeTextFile(`${root}/etc/group`, "root:x:0:\nnogroup:x:65534:\n");
  return root;
}
