/**
 * Escapes that a container must not manage, tried for real: regaining capabilities through
 * inheritable file capabilities after dropping root, and a root switch that silently falls back
 * to chroot when pivot_root refuses.
 */

import assert from "node:assert/strict";
import { makeTestBed } from "../../testing/test_bed.ts";
import { MYDOCKER, NO_BRIDGE_CONFIG, runMydocker, runResult } from "../../testing/mydocker.ts";

const { rootfs, stateRoot, env } = await makeTestBed();

/** Runs `mydocker run --rm --rootfs <busybox> test ARGS` with `flags`. */
function run(args: string[], flags: string[] = []) {
  return runMydocker(["run", "--rm", ...flags, "--rootfs", rootfs, "test", ...args], { env });
}

Deno.test("run leaves the inheritable and ambient capability sets empty", async () => {
  const script = "grep -E '^Cap(Inh|Amb)' /proc/self/status";
  const root = await run(["sh", "-c", script]);
  assert.equal(root.stdoutText, "CapInh:\t0000000000000000\nCapAmb:\t0000000000000000\n");
  const user = await run(["sh", "-c", script], ["-u", "1000"]);
  assert.equal(user.stdoutText, "CapInh:\t0000000000000000\nCapAmb:\t0000000000000000\n");
});

Deno.test("a process that drops root cannot regain capabilities from a +ei file", async () => {
  // CVE-2022-24769: with root's kept set inheritable, uid 1000 exec'ing a file that has
  // cap_dac_override in its inheritable set would get it back and read root's 0600 file.
  await Deno.mkdir(`${rootfs}/capbin`, { recursive: true });
  await Deno.copyFile(`${rootfs}/bin/busybox`, `${rootfs}/capbin/busybox`);
  const setcap = await new Deno.Command("setcap", {
    args: ["cap_dac_override,cap_chown+ei", `${rootfs}/capbin/busybox`],
  }).output();
  assert.equal(setcap.code, 0, new TextDecoder().decode(setcap.stderr));
  await Deno.writeTextFile(`${rootfs}/secret`, "root only\n", { mode: 0o600 });
  await Deno.chmod(`${rootfs}/secret`, 0o600);
  await Deno.writeTextFile(`${rootfs}/etc/passwd`, "appuser:x:1000:1000::/tmp:/bin/sh\n", {
    append: true,
  });
  const result = await run([
    "sh",
    "-c",
    "cat /secret; su appuser -c '/capbin/busybox grep CapEff /proc/self/status; " +
    "/capbin/busybox cat /secret || echo denied'",
  ]);
  assert.equal(result.stdoutText, "root only\nCapEff:\t0000000000000000\ndenied\n");
  assert.match(result.stderrText, /Permission denied/);
});

/** Top-level entries of the host's root, bound into a root that is not itself a mount point. */
const HOST_ENTRIES = ["bin", "sbin", "lib", "lib64", "usr", "etc", "root", "var", "run", "tmp"];

/**
 * Runs mydocker with `args` chroot'ed, in a mount namespace of its own, into a bind mount that
 * holds the host's tree (bound entry by entry) and whose parent mount is shared: there
 * pivot_root fails with EINVAL (as in such build sandboxes, or on an initramfs root).
 */
async function runFromNonMountRoot(args: string[]) {
  const root = await Deno.makeTempDir({ prefix: "mydocker-test-chroot-" });
  const checkout = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
  const script = [
    "set -e",
    'parent=$(findmnt -n -o TARGET -T "$ROOT")',
    'mount --bind "$ROOT" "$ROOT"',
    `for entry in ${HOST_ENTRIES.join(" ")}; do`,
    '  if [ -L "/$entry" ]; then cp -P "/$entry" "$ROOT/$entry";',
    '  elif [ -d "/$entry" ]; then mkdir -p "$ROOT/$entry"; mount --rbind "/$entry" "$ROOT/$entry"; fi',
    "done",
    'for fs in proc sys dev; do mkdir -p "$ROOT/$fs"; done',
    'mount -t proc proc "$ROOT/proc"',
    'mount --rbind /sys "$ROOT/sys"',
    'mount --rbind /dev "$ROOT/dev"',
    'mkdir -p "$ROOT$CHECKOUT" && mount --rbind "$CHECKOUT" "$ROOT$CHECKOUT"',
    'mkdir -p "$ROOT$STATE" && mount --rbind "$STATE" "$ROOT$STATE"',
    // A shared parent of the root: pivot_root answers EINVAL, whatever the root's own mounts.
    'mount --make-shared "$parent"',
    'exec chroot "$ROOT" "$@"',
  ].join("\n");
  try {
    const output = await new Deno.Command("unshare", {
      args: ["--mount", "sh", "-c", script, "sh", MYDOCKER, ...args],
      env: {
        MYDOCKER_CONFIG: NO_BRIDGE_CONFIG,
        ...env,
        ROOT: root,
        CHECKOUT: checkout,
        STATE: stateRoot,
      },
      stdin: "null",
    }).output();
    return runResult(output);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test("run refuses to fall back to chroot when pivot_root fails, and names --no-pivot", async () => {
  const args = ["run", "--rm", "--rootfs", rootfs, "test", "echo", "escaped"];
  const refused = await runFromNonMountRoot(args);
  assert.equal(refused.code, 125, refused.stderrText);
  assert.equal(refused.stdoutText, "");
  const lines = refused.stderrText.trim().split("\n");
  assert.equal(lines.length, 1, refused.stderrText);
  assert.match(lines[0]!, /^mydocker: Cannot pivot_root into ".*": EINVAL .*--no-pivot/);
  const chrooted = await runFromNonMountRoot([
    "run",
    "--rm",
    "--no-pivot",
    "--rootfs",
    rootfs,
    "test",
    "sh",
    "-c",
    "test -e /bin/busybox && ! test -e /usr && echo in-container",
  ]);
  assert.equal(chrooted.code, 0, chrooted.stderrText);
  assert.equal(chrooted.stdoutText, "in-container\n");
});

const START_PATHS: [string, Record<string, string>][] = [
  ["in place", {}],
  ["init stage", { MYDOCKER_INIT_PROCESS: "1" }],
];

for (const [path, extraEnv] of START_PATHS) {
  Deno.test(`a detached terminal container of a non-root user leaves the host's /dev/null alone (${path})`, async () => {
    // Its monitor's own stdout is /dev/null: handing "the stdio mydocker made" to the container's
    // user once chowned the host's /dev/null to it.
    const name = `devnull-${path.replace(" ", "-")}`;
    try {
      const result = await runMydocker(
        ["run", "-dit", "--name", name, "-u", "1000", "--rootfs", rootfs, "x", "sleep", "30"],
        { env: { ...env, ...extraEnv }, stdin: "null" },
      );
      assert.equal(result.code, 0, result.stderrText);
      const info = Deno.statSync("/dev/null");
      assert.deepEqual([info.uid, info.gid], [0, 0]);
    } finally {
      await runMydocker(["rm", "-f", name], { env });
      Deno.chownSync("/dev/null", 0, 0); // Should the assertion fail, the next tests need it back.
    }
  });
}
