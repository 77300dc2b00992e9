/**
 * `inspect`, `version`, `info` and `--format` as a user runs them, against Docker's documented
 * output: a JSON array of objects with Docker's field names, templates, `-v`.
 */

import assert from "node:assert/strict";
import { busyboxEntries, pushImage } from "../../testing/image_builder.ts";
import { runMydocker } from "../../testing/mydocker.ts";
import { startRegistry } from "../../testing/registry_server.ts";
import { makeTestBed } from "../../testing/test_bed.ts";

const bed = await makeTestBed();
const registry = await startRegistry({ tls: false, tokenAuth: false });
const env = { ...registry.env, ...bed.env };
const mydocker = (...args: string[]) => runMydocker(args, { env });
const image = `${registry.host}/labelled:v1`;
await pushImage(registry, "labelled", "v1", {
  layers: [{ entries: await busyboxEntries() }],
  config: {
    Entrypoint: ["/bin/sh", "-c"],
    Cmd: ["exit 3"],
    Env: ["FROM_IMAGE=1"],
    Labels: { "com.example.vendor": "ACME" },
    StopSignal: "SIGQUIT",
  },
});

Deno.test("inspect: a container as Docker's JSON array, and --format on its fields", async () => {
  const run = await mydocker(
    "run",
    "--name",
    "inspected",
    "--cap-add",
    "NET_ADMIN",
    "-m",
    "64m",
    "-v",
    `${bed.rootfs}:/host:ro`,
    image,
  );
  assert.equal(run.code, 3, run.stderrText);
  const result = await mydocker("inspect", "inspected");
  assert.equal(result.code, 0, result.stderrText);
  assert.match(result.stdoutText, /^\[\n {4}\{\n {8}"Id": "[0-9a-f]{64}",\n/);
  const [container] = JSON.parse(result.stdoutText);
  assert.equal(container.Name, "/inspected");
  assert.deepEqual(container.State.Status, "exited");
  assert.equal(container.State.ExitCode, 3);
  assert.equal(container.State.Running, false);
  assert.equal(container.Path, "/bin/sh");
  assert.deepEqual(container.Args, ["-c", "exit 3"]);
  assert.deepEqual(container.Config.Entrypoint, ["/bin/sh", "-c"]);
  assert.deepEqual(container.Config.Cmd, ["exit 3"]);
  assert.equal(container.Config.Image, image);
  assert.deepEqual(container.Config.Labels, { "com.example.vendor": "ACME" });
  assert.equal(container.Config.StopSignal, "SIGQUIT");
  assert.ok(container.Config.Env.includes("FROM_IMAGE=1"));
  assert.deepEqual(container.HostConfig.CapAdd, ["NET_ADMIN"]);
  assert.equal(container.HostConfig.CapDrop, null);
  assert.equal(container.HostConfig.Memory, 64 * 1024 * 1024);
  assert.deepEqual(container.HostConfig.Binds, [`${bed.rootfs}:/host:ro`]);
  assert.deepEqual(container.Mounts[0], {
    Type: "bind",
    Source: bed.rootfs,
    Destination: "/host",
    Mode: "ro",
    RW: false,
    Propagation: "rprivate",
  });
  assert.match(container.Image, /^sha256:[0-9a-f]{64}$/);

  const formatted = await mydocker(
    "inspect",
    "-f",
    '{{.State.Status}} {{.State.ExitCode}} {{.HostConfig.CapDrop}} {{index .Config.Labels "com.example.vendor"}} {{json .Config.Cmd}} {{join .Args ","}}',
    "inspected",
  );
  assert.equal(formatted.stdoutText, 'exited 3 [] ACME ["exit 3"] -c,exit 3\n');
  const byType = await mydocker("inspect", "--type", "image", "inspected");
  assert.equal(byType.code, 1);
  assert.equal(byType.stdoutText, "[]\n");
  assert.equal(byType.stderrText, "mydocker: No such image: inspected\n");
});

Deno.test("inspect: an image by name and by id prefix; a missing name after the found ones", async () => {
  const result = await mydocker("inspect", "--type", "image", image);
  assert.equal(result.code, 0, result.stderrText);
  const [found] = JSON.parse(result.stdoutText);
  assert.deepEqual(found.RepoTags, [image]);
  assert.match(found.RepoDigests[0], new RegExp(`^${registry.host}/labelled@sha256:`));
  assert.deepEqual(found.Config.Entrypoint, ["/bin/sh", "-c"]);
  assert.equal(found.RootFS.Type, "layers");
  assert.equal(found.RootFS.Layers.length, 1);
  assert.equal(found.Os, "linux");
  const id = (found.Id as string).slice("sha256:".length, "sha256:".length + 12);
  const both = await mydocker("inspect", "-f", "{{.Id}} {{.Size}}", id, "no-such-thing");
  assert.equal(both.code, 1); // Docker's client exits 1 when a name matches nothing.
  assert.equal(both.stdoutText, `${found.Id} ${found.Size}\n`);
  assert.equal(both.stderrText, "mydocker: No such object: no-such-thing\n");
  const none = await mydocker("inspect", "no-such-thing");
  assert.deepEqual([none.code, none.stdoutText], [1, "[]\n"]);
  assert.equal(none.stderrText, "mydocker: No such object: no-such-thing\n");
  const noContainer = await mydocker("inspect", "--type", "container", "no-such-thing");
  assert.deepEqual([noContainer.code, noContainer.stdoutText], [1, "[]\n"]);
  assert.equal(noContainer.stderrText, "mydocker: No such container: no-such-thing\n");
  const bad = await mydocker("inspect", "-f", "{{.Nope}}", image);
  assert.equal(bad.code, 125);
  assert.match(bad.stderrText, /^mydocker: template: .*can't evaluate field Nope/);
});

Deno.test("version, -v, info: Docker's layout, and --format on Docker's field names", async () => {
  const short = await mydocker("--version");
  assert.equal(short.stdoutText, "mydocker version 0.1.0\n");
  assert.equal((await mydocker("-v")).stdoutText, short.stdoutText);
  const version = await mydocker("version");
  assert.match(version.stdoutText, /^Client:\n Version: +0\.1\.0\n/);
  const versionFormat = await mydocker(
    "version",
    "--format",
    "{{.Client.Version}} {{.Server.Version}}",
  );
  assert.equal(versionFormat.stdoutText, "0.1.0 0.1.0\n");
  const info = await mydocker("info");
  assert.equal(info.code, 0, info.stderrText);
  assert.match(
    info.stdoutText,
    /\n Containers: 1\n {2}Running: 0\n {2}Paused: 0\n {2}Stopped: 1\n/,
  );
  assert.match(info.stdoutText, new RegExp(`\n Docker Root Dir: ${bed.stateRoot}\n`));
  const infoFormat = await mydocker(
    "info",
    "-f",
    "{{.Containers}} {{.Images}} {{.OSType}} {{json .DockerRootDir}}",
  );
  assert.equal(infoFormat.stdoutText, `1 1 linux "${bed.stateRoot}"\n`);
});

Deno.test("inspect: RestartPolicy, RestartCount, LogPath and volume Mounts from the container", async () => {
  const run = await mydocker(
    "run",
    "--name",
    "inspected_volumes",
    "--restart",
    "on-failure:2",
    "-v",
    "inspect_named:/named",
    "-v",
    "/anonymous",
    image,
    "exit 0",
  );
  assert.equal(run.code, 0, run.stderrText);
  const [container] = JSON.parse((await mydocker("inspect", "inspected_volumes")).stdoutText);
  assert.deepEqual(container.HostConfig.RestartPolicy, {
    Name: "on-failure",
    MaximumRetryCount: 2,
  });
  assert.equal(container.RestartCount, 0);
  assert.equal(
    container.LogPath,
    `${bed.stateRoot}/containers/${container.Id}/${container.Id}-json.log`,
  );
  assert.deepEqual(container.HostConfig.Binds, ["inspect_named:/named"]);
  assert.deepEqual(container.Config.Volumes, { "/anonymous": {} });
  const mounts = Object.fromEntries(
    container.Mounts.map((m: { Destination: string }) => [m.Destination, m]),
  );
  assert.deepEqual(mounts["/named"], {
    Type: "volume",
    Name: "inspect_named",
    Source: `${bed.stateRoot}/volumes/inspect_named/_data`,
    Destination: "/named",
    Driver: "local",
    Mode: "z",
    RW: true,
    Propagation: "",
  });
  assert.equal(mounts["/anonymous"].Type, "volume");
  assert.match(mounts["/anonymous"].Name, /^[0-9a-f]{64}$/);
  const plain = JSON.parse((await mydocker("inspect", "inspected")).stdoutText)[0];
  assert.deepEqual(plain.HostConfig.RestartPolicy, { Name: "no", MaximumRetryCount: 0 });
});
