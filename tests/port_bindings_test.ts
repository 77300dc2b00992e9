import assert from "node:assert/strict";
import {
  exposedBindings,
  parsePublish,
  portLines,
  portsCell,
  PortSpecError,
} from "../runtime/spec/port_bindings.ts";

Deno.test("parsePublish() reads [IP:][HOST:]CONTAINER[/PROTO] as Docker does", () => {
  assert.deepEqual(parsePublish("8080:80"), [
    { hostIp: "0.0.0.0", hostPort: 8080, containerPort: 80, protocol: "tcp" },
  ]);
  assert.deepEqual(parsePublish("127.0.0.1:5353:53/udp"), [
    { hostIp: "127.0.0.1", hostPort: 5353, containerPort: 53, protocol: "udp" },
  ]);
  assert.deepEqual(parsePublish("80"), [
    { hostIp: "0.0.0.0", hostPort: 0, containerPort: 80, protocol: "tcp" },
  ]);
  assert.deepEqual(parsePublish("10.0.0.1::80"), [
    { hostIp: "10.0.0.1", hostPort: 0, containerPort: 80, protocol: "tcp" },
  ]);
  assert.deepEqual(parsePublish("8000-8001:80-81").map((b) => [b.hostPort, b.containerPort]), [
    [8000, 80],
    [8001, 81],
  ]);
});

Deno.test("parsePublish() refuses what Docker refuses, in Docker's words", () => {
  const cases: [string, string][] = [
    ["80:abc", "invalid containerPort: abc"],
    ["99999:80", "invalid hostPort: 99999"],
    ["80/sctp", "invalid proto: sctp"],
    ["1.2.3:80:80", "invalid IP address: 1.2.3"],
    [
      "8000-8002:80-81",
      "invalid ranges specified for container and host Ports: 80-81 and 8000-8002",
    ],
    ["0", "invalid containerPort: 0"],
  ];
  for (const [value, message] of cases) {
    assert.throws(
      () => parsePublish(value),
      (e) => e instanceof PortSpecError && e.message === message,
    );
  }
});

Deno.test("exposedBindings() publishes an image's ExposedPorts to free host ports", () => {
  assert.deepEqual(
    exposedBindings(["80/tcp", "53/udp", "9000/sctp"]).map((b) => [
      b.hostPort,
      b.containerPort,
      b.protocol,
    ]),
    [[0, 80, "tcp"], [0, 53, "udp"]],
  );
});

Deno.test("portLines() prints docker port's lines, by container port", () => {
  assert.deepEqual(
    portLines([
      { hostIp: "0.0.0.0", hostPort: 5353, containerPort: 53, protocol: "udp" },
      { hostIp: "0.0.0.0", hostPort: 8080, containerPort: 80, protocol: "tcp" },
      { hostIp: "127.0.0.1", hostPort: 2222, containerPort: 22, protocol: "tcp" },
    ]),
    ["22/tcp -> 127.0.0.1:2222", "53/udp -> 0.0.0.0:5353", "80/tcp -> 0.0.0.0:8080"],
  );
});

Deno.test("portsCell() prints ps's PORTS cell", () => {
  assert.equal(
    portsCell([
      { hostIp: "0.0.0.0", hostPort: 8080, containerPort: 80, protocol: "tcp" },
      { hostIp: "0.0.0.0", hostPort: 5353, containerPort: 53, protocol: "udp" },
    ]),
    "0.0.0.0:5353->53/udp, 0.0.0.0:8080->80/tcp",
  );
  assert.equal(portsCell([]), "");
});
