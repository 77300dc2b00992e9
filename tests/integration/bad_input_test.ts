/**
 * Bad input to `mydocker run`: every flag is checked before the image is pulled or anything is
 * written (one line, exit 125), user ids are held to runc's range wherever they come from, and
 * the values Docker accepts (`-v FILE:PATH`, `--memory-swap -1`, `--pids-limit -1`) work.
 */

import assert from "node:assert/strict";
import { busyboxEntries, pushImage, type TarEntry } from "../../testing/image_builder.ts";
import { runMydocker } from "../../testing/mydocker.ts";
import { startRegistry } from "../../testing/registry_server.ts";
import { makeTestBed } from "../../testing/test_bed.ts";

const { rootfs, stateRoot, env } = await makeTestBed();
const registry = await startRegistry({ tls: false, tokenAuth: false });

const passwd = (extra: string): TarEntry => ({
  path: "etc/passwd",
  type: "file",
  content: `root:x:0:0:root:/root:/bin/sh\n${extra}`,
});
await pushImage(registry, "bad/input", "v1", {
  layers: [{ entries: [...await busyboxEntries(), passwd("")] }],
});
await pushImage(registry, "bad/user", "v1", {
  layers: [{ entries: [...await busyboxEntries(), passwd("")] }],
  config: { User: "4294967295" },
});
await pushImage(registry, "bad/passwd", "v1", {
  layers: [{ entries: [...await busyboxEntries(), passwd("big:x:4294967295:0::/:/bin/sh\n")] }],
});
const image = `${registry.host}/bad/input:v1`;
const mydocker = (...args: string[]) => runMydocker(args, { env });

/** What the state root holds of each kind: stored blobs and layers, container directories. */
function stored(kind: "blobs/sha256" | "layers" | "containers"): string[] {
  try {
    return [...Deno.readDirSync(`${stateRoot}/${kind}`)].map((entry) => entry.name);
  } catch {
    return [];
  }
}

const kept = await mydocker("run", "--name", "taken", "--rootfs", rootfs, "test", "true");
assert.equal(kept.code, 0, kept.stderrText);
const keptContainers = stored("containers");
const cpus = navigator.hardwareConcurrency;
const cpuRange =
  `range of CPUs is from 0.01 to ${cpus}.00, as there are only ${cpus} CPUs available`;
const idRange = "uids and gids must be in range 0-2147483647";
const missingSource = `${stateRoot}/never-created`;

/** Flags before IMAGE, and the one line mydocker must answer them with. */
const BAD_FLAGS: [flags: string[], message: string][] = [
  [["-m", "abc"], `Cannot use --memory "abc": invalid size`],
  [["-m", "-5"], `Cannot use --memory "-5": invalid size`],
  [["-m=-5"], `Cannot use --memory "-5": invalid size`],
  [["--cpus", "1000"], `Cannot use --cpus "1000": ${cpuRange}`],
  [["--cpus", "-1"], `Cannot use --cpus "-1": ${cpuRange}`],
  [["-c", "-1"], `Cannot use --cpu-shares "-1": value must be a positive integer`],
  [["--pids-limit", "many"], `Cannot use --pids-limit "many": invalid integer`],
  [["--env-file", "/missing"], `Cannot read env file "/missing": no such file or directory`],
  [["-e", "=x"], `Cannot use environment variable "=x": the name is empty`],
  [
    ["-v", "x:relative"],
    `Cannot use -v "x:relative": invalid mount config for type "volume": ` +
    `invalid mount path: 'relative' mount path must be absolute`,
  ],
  [
    ["-v", "/x:/"],
    `Cannot use -v "/x:/": invalid mount config for type "bind": ` +
    `invalid specification: destination can't be '/'`,
  ],
  [
    ["-v", `${missingSource}:/data`, "--mount", "type=bind,source=/missing,target=/m"],
    `Cannot mount "/missing": no such file or directory`,
  ],
  [["--cap-add", "BOGUS"], `Cannot use capabilities: Unknown capability "BOGUS"`],
  [
    ["--security-opt", "bogus"],
    `Cannot use --security-opt "bogus": supported are seccomp=unconfined and no-new-privileges`,
  ],
  [["--pull", "bogus"], `Cannot use --pull "bogus": choose "missing", "always" or "never"`],
  [["--network", "bogus"], "network bogus not found"],
  [["-p", "80:abc"], "invalid containerPort: abc"],
  [["-p", "99999:80"], "invalid hostPort: 99999"],
  [["-p", "80/sctp"], "invalid proto: sctp"],
  [["--add-host", "nocolon"], `bad format for add-host: "nocolon"`],
  [["--name", "taken"], `Cannot use name "taken": it is already in use by a container`],
  [["--rootfs", "/missing"], `Cannot use --rootfs "/missing": not a directory`],
  [["-w", "relative"], `Cannot use working directory "relative": it must be an absolute path`],
  [["-u", "a:b:c"], `Cannot use user "a:b:c": expected name|uid[:group|gid]`],
  [["-u", "4294967295"], `Cannot use user "4294967295": ${idRange}, not 4294967295`],
  [["-u", "0:4294967295"], `Cannot use user "0:4294967295": ${idRange}, not 4294967295`],
  [["-u", "2147483648"], `Cannot use user "2147483648": ${idRange}, not 2147483648`],
  [["-u", "99999999999"], `Cannot use user "99999999999": ${idRange}, not 99999999999`],
  [["-u", "-1"], `Cannot use user "-1": ${idRange}, not -1`],
  [["-u=-1"], `Cannot use user "-1": ${idRange}, not -1`],
];

for (const [flags, message] of BAD_FLAGS) {
  Deno.test(`run ${flags.join(" ")} exits 125 with one line, before pulling or writing`, async () => {
    const result = await mydocker("run", "--rm", ...flags, image, "echo", "ran");
    assert.equal(result.stderrText, `mydocker: ${message}\n`);
    assert.equal(result.code, 125);
    assert.equal(result.stdoutText, "");
    assert.deepEqual(stored("blobs/sha256"), [], "the image was pulled");
    assert.deepEqual(stored("layers"), [], "the image was pulled");
    assert.deepEqual(stored("containers"), keptContainers);
    await assert.rejects(Deno.lstat(missingSource), "a -v source was created");
  });
}

Deno.test("the registry serves the image the table ran: the checks above stopped the pull", async () => {
  const result = await mydocker("run", "--rm", image, "echo", "ran");
  assert.equal(result.stdoutText, "ran\n");
  assert.notDeepEqual(stored("blobs/sha256"), []);
});

Deno.test("run -w at a file in the image exits 125 with one line naming it", async () => {
  const result = await mydocker("run", "--rm", "-w", "/etc/passwd", image, "echo", "ran");
  assert.equal(
    result.stderrText,
    `mydocker: Cannot use working directory "/etc/passwd": not a directory\n`,
  );
  assert.equal(result.code, 125);
  assert.equal(result.stdoutText, "");
  const below = await mydocker("run", "--rm", "-w", "/etc/passwd/x", image, "echo", "ran");
  assert.equal(
    below.stderrText,
    `mydocker: Cannot use working directory "/etc/passwd/x": not a directory\n`,
  );
});

Deno.test("a uid out of range from the image's User or the container's /etc/passwd never runs", async () => {
  const user = await mydocker("run", "--rm", "-q", `${registry.host}/bad/user:v1`, "echo", "ran");
  assert.equal(
    user.stderrText,
    `mydocker: Cannot use user "4294967295": ${idRange}, not 4294967295\n`,
  );
  assert.equal(user.code, 125);
  assert.equal(user.stdoutText, "");
  const big = await mydocker(
    "run",
    "--rm",
    "-q",
    "-u",
    "big",
    `${registry.host}/bad/passwd:v1`,
    "echo",
    "ran",
  );
  assert.equal(big.stderrText, `mydocker: Cannot use user "big": ${idRange}, not 4294967295\n`);
  assert.equal(big.code, 125);
  assert.equal(big.stdoutText, "");
});

Deno.test("run -v binds a single host file, as --mount does, creating the target file", async () => {
  const file = `${stateRoot}/host-file`;
  await Deno.writeTextFile(file, "from the host\n");
  for (const flags of [["-v", `${file}:/etc/hostname`], ["-v", `${file}:/new/dir/file:ro`]]) {
    const target = flags[1]!.split(":")[1]!;
    const result = await mydocker(
      "run",
      "--rm",
      ...flags,
      "--rootfs",
      rootfs,
      "test",
      "cat",
      target,
    );
    assert.equal(result.stderrText, "");
    assert.equal(result.stdoutText, "from the host\n");
  }
  const mounted = await mydocker(
    "run",
    "--rm",
    "--mount",
    `type=bind,source=${file},target=/etc/hostname`,
    "--rootfs",
    rootfs,
    "test",
    "cat",
    "/etc/hostname",
  );
  assert.equal(mounted.stdoutText, "from the host\n");
  await assert.rejects(Deno.lstat(`${rootfs}/new`), "the target leaked into the --rootfs");
});

Deno.test("run takes -1 for --memory-swap (unlimited swap) and --pids-limit (no limit)", async () => {
  const result = await mydocker(
    "run",
    "--rm",
    "-m",
    "64m",
    "--memory-swap",
    "-1",
    "--pids-limit",
    "-1",
    "--rootfs",
    rootfs,
    "test",
    "echo",
    "ran",
  );
  assert.equal(result.stderrText, "");
  assert.equal(result.stdoutText, "ran\n");
  assert.equal(result.code, 0);
});

Deno.test("bad input cleanup: the kept container and the test registry go", async () => {
  assert.equal((await mydocker("rm", "taken")).code, 0);
  await registry.stop();
});
