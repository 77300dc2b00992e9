import assert from "node:assert/strict";
import { parseMount, parseTmpfs, parseVolume } from "../cli/mount_options.ts";
import { parseSecurityOptions } from "../cli/security_options.ts";
import { resolveCapabilities } from "../runtime/spec/capabilities.ts";
import { MountFlag } from "../sys/mount.ts";

const { NOEXEC, NOSUID, NODEV, RDONLY } = MountFlag;

Deno.test("parseVolume() reads binds, named volumes and anonymous volumes as Docker does", () => {
  assert.deepEqual(parseVolume("/srv/data/:/data:ro"), {
    type: "bind",
    source: "/srv/data",
    target: "/data",
    readonly: true,
  });
  assert.equal((parseVolume("/a:/b") as { readonly: boolean }).readonly, false);
  assert.deepEqual(parseVolume("data:/x/:ro"), {
    type: "volume",
    name: "data",
    target: "/x",
    readonly: true,
  });
  assert.deepEqual(parseVolume("/a"), {
    type: "volume",
    name: undefined,
    target: "/a",
    readonly: false,
  });
  assert.deepEqual(parseVolume("/a:ro"), {
    type: "volume",
    name: undefined,
    target: "/a",
    readonly: true,
  });
  assert.throws(() => parseVolume("/a:/b:zz"), /expected \[HOST\|NAME:\]CONTAINER/);
  assert.throws(() => parseVolume("a:b:c:d"), /expected \[HOST\|NAME:\]CONTAINER/);
});

Deno.test("parseVolume(), parseMount() and parseTmpfs() check destinations in Docker's words", () => {
  const refusals: [() => unknown, string][] = [
    [
      () => parseVolume("/x:/"),
      `Cannot use -v "/x:/": invalid mount config for type "bind": invalid specification: destination can't be '/'`,
    ],
    [
      () => parseVolume("/x:/a/.."),
      `Cannot use -v "/x:/a/..": invalid mount config for type "bind": invalid specification: destination can't be '/'`,
    ],
    [
      () => parseVolume("/a:rel"),
      `Cannot use -v "/a:rel": invalid mount config for type "bind": invalid mount path: 'rel' mount path must be absolute`,
    ],
    [
      () => parseVolume("x:relative"),
      `Cannot use -v "x:relative": invalid mount config for type "volume": invalid mount path: 'relative' mount path must be absolute`,
    ],
    [
      () => parseMount("type=bind,src=/h,dst=/"),
      `Cannot use --mount "type=bind,src=/h,dst=/": invalid mount config for type "bind": invalid specification: destination can't be '/'`,
    ],
    [
      () => parseMount("type=bind,src=h,dst=/c"),
      `Cannot use --mount "type=bind,src=h,dst=/c": invalid mount config for type "bind": invalid mount path: 'h' mount path must be absolute`,
    ],
    [
      () => parseMount("type=tmpfs,dst=t"),
      `Cannot use --mount "type=tmpfs,dst=t": invalid mount config for type "tmpfs": invalid mount path: 't' mount path must be absolute`,
    ],
    [
      () => parseTmpfs("/"),
      `Cannot use --tmpfs "/": invalid mount config for type "tmpfs": invalid specification: destination can't be '/'`,
    ],
  ];
  for (const [parse, message] of refusals) {
    assert.throws(parse, (error: Error) => error.message === message, message);
  }
  assert.equal((parseVolume("/x//y/:/a/./b/") as { target: string }).target, "/a/b");
  assert.equal((parseVolume("/x//y/:/a/./b/") as { source: string }).source, "/x/y");
});

Deno.test("parseMount() reads bind, volume and tmpfs mounts with Docker's keys", () => {
  assert.deepEqual(parseMount("type=bind,src=/h,dst=/c,readonly"), {
    type: "bind",
    source: "/h",
    target: "/c",
    readonly: true,
  });
  assert.deepEqual(parseMount("type=tmpfs,target=/t,tmpfs-size=1m,tmpfs-mode=1777"), {
    type: "tmpfs",
    target: "/t",
    flags: NOEXEC | NOSUID | NODEV,
    data: "size=1m,mode=1777",
  });
  assert.deepEqual(parseMount("type=volume,src=v1,target=/v"), {
    type: "volume",
    name: "v1",
    target: "/v",
    readonly: false,
  });
  assert.deepEqual(parseMount("target=/v,ro"), {
    type: "volume",
    name: undefined,
    target: "/v",
    readonly: true,
  });
  assert.throws(
    () => parseMount("type=npipe,target=/v"),
    /only type=bind, type=volume and type=tmpfs/,
  );
  assert.throws(() => parseMount("type=bind,target=/v"), /source is missing/);
  assert.throws(() => parseMount("type=bind,source=/v"), /target is missing/);
});

Deno.test("parseTmpfs() applies flags and passes data options on", () => {
  assert.deepEqual(parseTmpfs("/run:exec,size=64m,ro"), {
    type: "tmpfs",
    target: "/run",
    flags: NOSUID | NODEV | RDONLY,
    data: "size=64m",
  });
  assert.deepEqual(parseTmpfs("/tmp"), {
    type: "tmpfs",
    target: "/tmp",
    flags: NOEXEC | NOSUID | NODEV,
    data: "",
  });
});

Deno.test("resolveCapabilities() follows Docker: add, drop, ALL, privileged", () => {
  const base = resolveCapabilities({ add: [], drop: [], privileged: false });
  assert.equal(base.length, 14);
  assert.ok(
    resolveCapabilities({ add: ["CAP_SYS_ADMIN"], drop: ["chown"], privileged: false })
      .includes("SYS_ADMIN"),
  );
  assert.ok(
    !resolveCapabilities({ add: [], drop: ["CHOWN"], privileged: false }).includes("CHOWN"),
  );
  assert.deepEqual(resolveCapabilities({ add: ["NET_ADMIN"], drop: ["ALL"], privileged: false }), [
    "NET_ADMIN",
  ]);
  assert.equal(
    resolveCapabilities({ add: ["ALL"], drop: ["MKNOD"], privileged: false }).length,
    40,
  );
  assert.equal(resolveCapabilities({ add: [], drop: [], privileged: true }).length, 41);
});

Deno.test("parseSecurityOptions() knows seccomp=unconfined and no-new-privileges", () => {
  assert.deepEqual(parseSecurityOptions([]), { seccomp: true, noNewPrivileges: false });
  assert.deepEqual(parseSecurityOptions(["seccomp=unconfined", "no-new-privileges:true"]), {
    seccomp: false,
    noNewPrivileges: true,
  });
  assert.throws(
    () => parseSecurityOptions(["label=disable"]),
    /Cannot use --security-opt "label=disable"/,
  );
});
