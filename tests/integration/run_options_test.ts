/**
 * `mydocker run` options that shape the container: users, /etc files, mounts, a read-only root,
 * capabilities and no-new-privileges, checked for real.
 */

import assert from "node:assert/strict";
import { makeTestBed } from "../../testing/test_bed.ts";
import { busyboxEntries, pushImage } from "../../testing/image_builder.ts";
import { assertNoContainerDirs, hostMounts, runMydocker } from "../../testing/mydocker.ts";
import { startRegistry } from "../../testing/registry_server.ts";

const { rootfs, stateRoot, env } = await makeTestBed();
await Deno.writeTextFile(
  `${rootfs}/etc/passwd`,
  "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n" +
    "app:x:1000:1000:app:/home/app:/bin/sh\n",
);
await Deno.writeTextFile(
  `${rootfs}/etc/group`,
  "root:x:0:\nwheel:x:10:app\nstaff:x:50:app,root\napp:x:1000:\nnogroup:x:65534:\n",
);

/** Runs `mydocker run FLAGS --rootfs <busybox> test ARGS`; checks nothing is left behind. */
async function run(flags: string[], ...args: string[]) {
  const before = hostMounts(stateRoot, rootfs);
  const result = await runMydocker(["run", "--rm", ...flags, "--rootfs", rootfs, "test", ...args], {
    env,
  });
  assert.deepEqual(hostMounts(stateRoot, rootfs), before, "the host's mounts changed");
  assertNoContainerDirs(stateRoot);
  return result;
}

Deno.test("run -u sets uid, gid, supplementary groups and HOME from the container's files", async () => {
  const numeric = await run(["-u", "1000:1000"], "sh", "-c", "id -u; id -g; echo $HOME");
  assert.equal(numeric.stdoutText, "1000\n1000\n/home/app\n");
  const nobody = await run(["-u", "nobody"], "sh", "-c", "id -u; id -g; echo $HOME");
  assert.equal(nobody.stdoutText, "65534\n65534\n/nonexistent\n");
  const named = await run(["--user", "app"], "id", "-G");
  assert.equal(named.stdoutText, "1000 10 50\n");
  const group = await run(["-u", "app:staff"], "sh", "-c", "id -u; id -g");
  assert.equal(group.stdoutText, "1000\n50\n");
  const unlisted = await run(["-u", "4242"], "sh", "-c", "id -u; id -g; echo $HOME");
  assert.equal(unlisted.stdoutText, "4242\n0\n/\n");
  const root = await run([], "sh", "-c", "id -u; echo $HOME; id -G");
  assert.equal(root.stdoutText, "0\n/root\n0 50\n");
});

Deno.test("run -u with an unknown user or group exits 125 naming it", async () => {
  const user = await run(["-u", "ghost"], "true");
  assert.equal(user.code, 125);
  assert.equal(
    user.stderrText,
    'mydocker: Cannot find user "ghost": no matching entries in the container\'s /etc/passwd\n',
  );
  const group = await run(["-u", "app:ghosts"], "true");
  assert.equal(group.code, 125);
  assert.match(group.stderrText, /^mydocker: Cannot find group "ghosts": .*\n$/);
});

Deno.test("a non-root user has no effective capabilities", async () => {
  const result = await run(["-u", "1000"], "grep", "-E", "^Cap(Eff|Prm)", "/proc/self/status");
  assert.equal(result.stdoutText, "CapPrm:\t0000000000000000\nCapEff:\t0000000000000000\n");
});

Deno.test("run provides /etc/hostname, /etc/hosts and /etc/resolv.conf without touching the image", async () => {
  const result = await run(
    ["-h", "web1"],
    "sh",
    "-c",
    "cat /etc/hostname; grep -E 'localhost|web1' /etc/hosts; grep -c nameserver /etc/resolv.conf",
  );
  const lines = result.stdoutText.trim().split("\n");
  assert.equal(lines[0], "web1");
  assert.ok(lines.includes("127.0.0.1\tlocalhost"));
  assert.ok(lines.includes("::1\tlocalhost ip6-localhost ip6-loopback"));
  assert.ok(lines.includes("127.0.0.1\tweb1"));
  assert.ok(Number(lines.at(-1)) >= 1);
  for (const name of ["hostname", "hosts", "resolv.conf"]) {
    await assert.rejects(Deno.lstat(`${rootfs}/etc/${name}`), `${name} leaked into the image`);
  }
});

Deno.test("run -v binds a host directory; :ro refuses writes, rw writes reach the host", async () => {
  const host = await Deno.makeTempDir();
  await Deno.writeTextFile(`${host}/in`, "from host\n");
  const readonly = await run(
    ["-v", `${host}:/data:ro`],
    "sh",
    "-c",
    "cat /data/in; echo x > /data/out",
  );
  assert.equal(readonly.stdoutText, "from host\n");
  assert.match(readonly.stderrText, /Read-only file system/);
  assert.notEqual(readonly.code, 0);
  const writable = await run(
    ["--mount", `type=bind,source=${host},target=/data`],
    "sh",
    "-c",
    "echo from container > /data/out",
  );
  assert.equal(writable.code, 0);
  assert.equal(await Deno.readTextFile(`${host}/out`), "from container\n");
  const created = `${host}/made-by-v`;
  const made = await run(["-v", `${created}:/made`], "true");
  assert.equal(made.code, 0);
  assert.ok((await Deno.stat(created)).isDirectory);
  const missing = await run(["--mount", `type=bind,source=${host}/absent,target=/x`], "true");
  assert.equal(missing.code, 125);
  assert.equal(
    missing.stderrText,
    `mydocker: Cannot mount "${host}/absent": no such file or directory\n`,
  );
  await Deno.remove(host, { recursive: true });
});

Deno.test("run --read-only refuses writes to the root; --tmpfs, /dev/shm stay writable", async () => {
  const result = await run(
    ["--read-only", "--tmpfs", "/tmp:size=1m"],
    "sh",
    "-c",
    "touch /file 2>&1; touch /tmp/ok && echo tmp-ok; touch /dev/shm/ok && echo shm-ok; " +
      "grep ' /tmp ' /proc/self/mounts | cut -d' ' -f3,4",
  );
  assert.equal(
    result.stdoutText,
    "touch: /file: Read-only file system\ntmp-ok\nshm-ok\ntmpfs rw,nosuid,nodev,noexec,relatime,size=1024k\n",
  );
});

Deno.test("run --cap-drop ALL makes chown fail; --cap-add SYS_ADMIN lets mount work", async () => {
  const dropped = await run(["--cap-drop", "ALL"], "sh", "-c", "chown 1 /tmp && echo chowned");
  assert.notEqual(dropped.code, 0);
  assert.match(dropped.stderrText, /Operation not permitted/);
  const kept = await run([], "sh", "-c", "chown 1 /tmp && echo chowned");
  assert.equal(kept.stdoutText, "chowned\n");
  const added = await run(
    ["--cap-add", "sys_admin"],
    "sh",
    "-c",
    "mount -t tmpfs none /tmp && echo mounted",
  );
  assert.equal(added.stdoutText, "mounted\n");
  const without = await run([], "sh", "-c", "mount -t tmpfs none /tmp && echo mounted");
  assert.notEqual(without.code, 0);
  const unknown = await run(["--cap-add", "FLY"], "true");
  assert.equal(unknown.code, 125);
  assert.equal(unknown.stderrText, 'mydocker: Cannot use capabilities: Unknown capability "FLY"\n');
});

Deno.test("run --privileged keeps every capability and masks nothing", async () => {
  const result = await run(
    ["--privileged"],
    "sh",
    "-c",
    "grep CapEff /proc/self/status; grep -c ' /proc/sys proc ro' /proc/self/mounts",
  );
  assert.match(result.stdoutText, /^CapEff:\t0000[0-9a-f]{12}\n0\n$/);
  assert.notEqual(result.stdoutText, "CapEff:\t00000000a80425fb\n0\n");
});

Deno.test("run --security-opt no-new-privileges sets NoNewPrivs", async () => {
  const result = await run(
    ["--security-opt", "no-new-privileges"],
    "grep",
    "NoNewPrivs",
    "/proc/self/status",
  );
  assert.equal(result.stdoutText, "NoNewPrivs:\t1\n");
  const plain = await run([], "grep", "NoNewPrivs", "/proc/self/status");
  assert.equal(plain.stdoutText, "NoNewPrivs:\t0\n");
  const bad = await run(["--security-opt", "apparmor=x"], "true");
  assert.equal(bad.code, 125);
});

Deno.test("run IMAGE runs as the image's User unless -u says otherwise", async () => {
  const registry = await startRegistry({ tls: false, tokenAuth: false });
  try {
    await pushImage(registry, "user", "v1", {
      layers: [{
        entries: [
          ...await busyboxEntries(),
          {
            path: "etc/passwd",
            type: "file",
            content: "root:x:0:0:root:/root:/bin/sh\nsvc:x:1500:1500:svc:/srv:/bin/sh\n",
          },
        ],
      }],
      config: { User: "svc" },
    });
    const image = `${registry.host}/user:v1`;
    const asImage = await runMydocker(["run", "--rm", image, "sh", "-c", "id -u; echo $HOME"], {
      env,
    });
    assert.equal(asImage.stdoutText, "1500\n/srv\n");
    const asRoot = await runMydocker(["run", "--rm", "-u", "0", image, "id", "-u"], { env });
    assert.equal(asRoot.stdoutText, "0\n");
    await runMydocker(["rmi", image], { env });
  } finally {
    await registry.stop();
  }
});
