import assert from "node:assert/strict";
import { parseDeviceMapping } from "../cli/device_options.ts";
import { grantedDevices } from "../engine/granted_devices.ts";
import { ExitCodeError } from "../sys/exit_codes.ts";

Deno.test("parseDeviceMapping() reads HOST[:CONTAINER[:PERMISSIONS]] as Docker does", () => {
  assert.deepEqual(parseDeviceMapping("/dev/fuse"), {
    hostPath: "/dev/fuse",
    containerPath: "/dev/fuse",
    access: "rwm",
  });
  assert.deepEqual(parseDeviceMapping("/dev/sda:/dev/xvda"), {
    hostPath: "/dev/sda",
    containerPath: "/dev/xvda",
    access: "rwm",
  });
  assert.deepEqual(parseDeviceMapping("/dev/sda:r"), {
    hostPath: "/dev/sda",
    containerPath: "/dev/sda",
    access: "r",
  });
  assert.deepEqual(parseDeviceMapping("/dev/sda:/dev/xvda:mw"), {
    hostPath: "/dev/sda",
    containerPath: "/dev/xvda",
    access: "mw",
  });
});

Deno.test("parseDeviceMapping() refuses malformed values with Docker's reasons", () => {
  const cases: [string, string][] = [
    ["/a:/b:rw:x", "bad format for path"],
    [":/dev/xvda", "bad format for path"],
    ["/dev/sda:/dev/xvda:rwx", "bad mode specified: rwx"],
    ["/dev/sda:/dev/xvda:", "bad mode specified: "],
    ["/dev/sda:xvda", "xvda is not an absolute path"],
    ["/dev/sda:xvda:r", "xvda is not an absolute path"],
  ];
  for (const [value, reason] of cases) {
    assert.throws(
      () => parseDeviceMapping(value),
      new ExitCodeError(`Cannot use --device "${value}": ${reason}`),
      value,
    );
  }
});

Deno.test("grantedDevices() reads the host node: type, numbers, mode and owner", () => {
  const [null_] = grantedDevices([parseDeviceMapping("/dev/null:/dev/mynull:r")]);
  assert.deepEqual(null_, {
    path: "/dev/mynull",
    type: "c",
    major: 1,
    minor: 3,
    mode: Deno.statSync("/dev/null").mode! & 0o7777,
    uid: 0,
    gid: 0,
    access: "r",
  });
});

Deno.test("grantedDevices() names a missing host device or a file that is none, as Docker", () => {
  assert.throws(
    () => grantedDevices([parseDeviceMapping("/dev/nope")]),
    new ExitCodeError(
      'error gathering device information while adding custom device "/dev/nope": no such file or directory',
    ),
  );
  assert.throws(
    () => grantedDevices([parseDeviceMapping("/etc/hostname")]),
    new ExitCodeError(
      'error gathering device information while adding custom device "/etc/hostname": not a device node',
    ),
  );
});
