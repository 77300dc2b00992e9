/**
 * The order in which a stage takes on the container's credentials, on the recording fake (no root
 * needed): bounding set → no_new_privs → seccomp → user ids → capabilities.
 */

import assert from "node:assert/strict";
import type { ProcessCredentials } from "../runtime/spec/container_spec.ts";
import { CAPABILITY_NAMES, capabilityMask } from "../runtime/spec/capabilities.ts";
import { takeOnCredentials } from "../runtime/stage/credentials.ts";
import { Errno } from "../sys/errno.ts";
import { SyscallError } from "../sys/ffi.ts";
import { Prctl } from "../sys/process.ts";
import { FakeSys } from "../testing/fake_sys.ts";

/** A container root with the capability count, a passwd with root and `app` (1000), a group. */
function containerRoot(): FakeSys {
  return new FakeSys({
    "/etc/passwd": "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n",
    "/etc/group": "root:x:0:\napp:x:1000:\nstaff:x:50:app\n",
  });
}

function credentials(overrides: Partial<ProcessCredentials> = {}): ProcessCredentials {
  return {
    user: "",
    env: ["PATH=/bin"],
    capabilities: ["CHOWN", "KILL", "SYS_ADMIN"],
    noNewPrivileges: true,
    seccomp: true,
    ...overrides,
  };
}

const isPrctl = (option: number) => (call: number) => call === option;

Deno.test("takeOnCredentials() goes bounding set → no_new_privs → seccomp → ids → capabilities", () => {
  const sys = containerRoot();
  takeOnCredentials(credentials(), sys);
  const lastDrop = sys.calls.findLastIndex((call) =>
    call.name === "prctl" && call.args[0] === Prctl.CAPBSET_DROP
  );
  const steps = [
    lastDrop,
    sys.indexOf("prctl", isPrctl(Prctl.SET_NO_NEW_PRIVS)),
    sys.indexOf("seccompSetModeFilter"),
    sys.indexOf("switchUser"),
    sys.indexOf("prctl", isPrctl(Prctl.CAP_AMBIENT)),
    sys.indexOf("capset"),
  ];
  assert.ok(steps.every((step) => step >= 0), `every step made: ${steps}`);
  assert.deepEqual(steps, [...steps].sort((a, b) => a - b));
});

Deno.test("takeOnCredentials() drops every capability not kept from the bounding set", () => {
  const sys = containerRoot();
  takeOnCredentials(credentials(), sys);
  const dropped = sys.callsTo("prctl").filter((call) => call.args[0] === Prctl.CAPBSET_DROP)
    .map((call) => CAPABILITY_NAMES[call.args[1] as number]);
  assert.deepEqual(
    dropped,
    CAPABILITY_NAMES.filter((name) => !["CHOWN", "KILL", "SYS_ADMIN"].includes(name)),
  );
});

Deno.test("takeOnCredentials() leaves root the kept capabilities and empty inheritable, ambient sets", () => {
  const sys = containerRoot();
  takeOnCredentials(credentials(), sys);
  const mask = capabilityMask(["CHOWN", "KILL", "SYS_ADMIN"]);
  assert.deepEqual(sys.callsTo("capset").map((call) => call.args), [[mask, mask, 0n]]);
  assert.deepEqual(
    sys.callsTo("prctl").find((call) => call.args[0] === Prctl.CAP_AMBIENT)?.args,
    [Prctl.CAP_AMBIENT, Prctl.CAP_AMBIENT_CLEAR_ALL],
  );
});

Deno.test("takeOnCredentials() sets an OCI process's four sets and raises its ambient ones", () => {
  const sys = containerRoot();
  const capabilitySets = {
    effective: ["CHOWN"],
    permitted: ["CHOWN", "KILL"],
    inheritable: ["KILL"],
    ambient: ["KILL"],
  };
  takeOnCredentials(credentials({ capabilitySets }), sys);
  const [chown, kill] = [capabilityMask(["CHOWN"]), capabilityMask(["KILL"])];
  assert.deepEqual(sys.callsTo("capset").map((call) => call.args), [[chown, chown | kill, kill]]);
  const ambient = sys.callsTo("prctl").filter((call) => call.args[0] === Prctl.CAP_AMBIENT);
  assert.deepEqual(ambient.map((call) => call.args), [
    [Prctl.CAP_AMBIENT, Prctl.CAP_AMBIENT_CLEAR_ALL],
    [Prctl.CAP_AMBIENT, Prctl.CAP_AMBIENT_RAISE, CAPABILITY_NAMES.indexOf("KILL")],
  ]);
  assert.ok(sys.indexOf("capset") < sys.calls.indexOf(ambient[1]!));
});

Deno.test("takeOnCredentials() keeps an OCI process's sets across its switch to a non-root user", () => {
  const sys = containerRoot();
  const capabilitySets = { effective: ["KILL"], permitted: ["KILL"], inheritable: [], ambient: [] };
  takeOnCredentials(credentials({ user: "app", capabilitySets }), sys);
  const keep = sys.indexOf("prctl", isPrctl(Prctl.SET_KEEPCAPS));
  assert.ok(keep >= 0 && keep < sys.indexOf("switchUser"));
  const kill = capabilityMask(["KILL"]);
  assert.deepEqual(sys.callsTo("capset").map((call) => call.args), [[kill, kill, 0n]]);
});

Deno.test("takeOnCredentials() adds an OCI process's additional groups to /etc/group's", () => {
  const sys = containerRoot();
  takeOnCredentials(credentials({ user: "app", additionalGids: [5, 50] }), sys);
  assert.deepEqual(sys.callsTo("switchUser").map((call) => call.args), [[1000, 1000, [
    1000,
    50,
    5,
  ]]]);
});

Deno.test("takeOnCredentials() leaves a non-root user no capabilities, with its groups and HOME", () => {
  const sys = containerRoot();
  const env = takeOnCredentials(credentials({ user: "app" }), sys);
  assert.deepEqual(sys.callsTo("switchUser").map((call) => call.args), [[1000, 1000, [1000, 50]]]);
  assert.deepEqual(sys.callsTo("capset").map((call) => call.args), [[0n, 0n, 0n]]);
  assert.deepEqual(env, ["PATH=/bin", "HOME=/home/app"]);
});

Deno.test("takeOnCredentials() sets neither no_new_privs nor seccomp when not asked to", () => {
  const sys = containerRoot();
  takeOnCredentials(credentials({ noNewPrivileges: false, seccomp: false }), sys);
  assert.equal(sys.indexOf("prctl", isPrctl(Prctl.SET_NO_NEW_PRIVS)), -1);
  assert.equal(sys.indexOf("seccompSetModeFilter"), -1);
  assert.ok(sys.indexOf("switchUser") >= 0);
});

Deno.test("takeOnCredentials() never switches user when the seccomp filter is refused", () => {
  const sys = containerRoot().failOn("seccompSetModeFilter", Errno.EINVAL);
  assert.throws(
    () => takeOnCredentials(credentials(), sys),
    (error) => error instanceof SyscallError && error.code === "EINVAL",
  );
  assert.equal(sys.indexOf("switchUser"), -1);
  assert.equal(sys.indexOf("capset"), -1);
});
