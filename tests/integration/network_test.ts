/**
 * Networks for real: bridges, veths, nft rules and forwarding, all inside network namespaces this
 * file makes (a "host" namespace where mydocker runs, and an "internet" one joined to it by a
 * veth), never the machine's own. Every mydocker, client and server of the host side runs under
 * `nsenter --net` into the host namespace; the namespaces die with their holder processes in the
 * last test.
 */

import assert from "node:assert/strict";
import { busyboxEntries, pushImage } from "../../testing/image_builder.ts";
import {
  MYDOCKER,
  runMydocker,
  type RunResult,
  runResult,
  waitFor,
} from "../../testing/mydocker.ts";
import { startRegistry } from "../../testing/registry_server.ts";
import { makeTestBed } from "../../testing/test_bed.ts";

const bed = await makeTestBed();
const { rootfs, stateRoot } = bed;
const configDir = await Deno.makeTempDir({ prefix: "mydocker-network-config-" });
const config = `${configDir}/config.json`;
await Deno.writeTextFile(config, JSON.stringify({ bip: "172.30.0.1/16" }));
const env = { MYDOCKER_ROOT: stateRoot, MYDOCKER_CONFIG: config };
const GATEWAY = "172.30.0.1";
const INTERNET = "198.51.100.2";

/** A process holding a new network namespace (loopback up) until it is killed. */
function holdNamespace(): Deno.ChildProcess {
  return new Deno.Command("unshare", {
    args: ["--net", "sh", "-c", "ip link set lo up && exec sleep 3600"],
    stdin: "null",
  }).spawn();
}

const host = holdNamespace();
const internet = holdNamespace();
const hostNs = `/proc/${host.pid}/ns/net`;
const internetNs = `/proc/${internet.pid}/ns/net`;

/** Runs `command` in network namespace `ns` (the host one by default). */
async function inNs(
  command: string[],
  options: { ns?: string; stdin?: string } = {},
): Promise<RunResult> {
  const child = new Deno.Command("nsenter", {
    args: [`--net=${options.ns ?? hostNs}`, ...command],
    env,
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (options.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(options.stdin));
    await writer.close();
  }
  return runResult(await child.output());
}

function mydocker(...args: string[]): Promise<RunResult> {
  return inNs([MYDOCKER, ...args]);
}

async function sh(script: string, ns?: string): Promise<string> {
  const result = await inNs(["sh", "-c", script], ns === undefined ? {} : { ns });
  assert.equal(result.code, 0, `${script}: ${result.stderrText}`);
  return result.stdoutText;
}

/** A UDP echo server (Deno, in a container of the host's root) and client, for `-p …/udp`. */
const udpServer = `${configDir}/udp_echo.ts`;
await Deno.writeTextFile(
  udpServer,
  `const socket = Deno.listenDatagram({ hostname: "0.0.0.0", port: 53, transport: "udp" });
for await (const [data, peer] of socket) await socket.send(data, peer);`,
);
const udpClient = `${configDir}/udp_ask.ts`;
await Deno.writeTextFile(
  udpClient,
  `const [hostname, port] = Deno.args;
const socket = Deno.listenDatagram({ hostname: "0.0.0.0", port: 0, transport: "udp" });
const to = { transport: "udp" as const, hostname: hostname!, port: Number(port) };
for (let attempt = 0; attempt < 50; attempt++) {
  await socket.send(new TextEncoder().encode("ping"), to);
  const answer = await Promise.race([
    socket.receive(),
    new Promise<undefined>((resolve) => setTimeout(resolve, 200)),
  ]);
  if (answer !== undefined) {
    console.log(new TextDecoder().decode(answer[0]));
    Deno.exit(0);
  }
}
Deno.exit(1);`,
);
const DENO = [Deno.execPath(), "run", "--allow-all", "--unstable-net", "--no-config", "--quiet"];

/** Waits until a TCP client in the host namespace gets `expected` from `address`:`port`. */
async function tcpAnswers(
  address: string,
  port: number,
  expected: string,
  ns = hostNs,
): Promise<boolean> {
  let last = "";
  const ok = await waitForAsync(async () => {
    last = (await inNs(["busybox", "nc", "-w", "2", address, String(port)], { ns })).stdoutText;
    return last === expected;
  });
  if (!ok) console.error(`${address}:${port} answered ${JSON.stringify(last)}`);
  return ok;
}

async function waitForAsync(check: () => Promise<boolean>, ms = 20_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

function leases(network: string): string[] {
  try {
    return [...Deno.readDirSync(`${stateRoot}/networks/${network}/leases`)].map((e) => e.name);
  } catch {
    return [];
  }
}

async function hostLinks(): Promise<string[]> {
  const links = await sh("ip -o link show | cut -d: -f2 | cut -d@ -f1");
  return links.trim().split("\n").map((name) => name.trim()).sort();
}

async function publishedPorts(): Promise<string> {
  return await sh("nft list map ip mydocker ports; nft list map ip mydocker address_ports");
}

const TCP_SERVER = ["busybox", "nc", "-ll", "-p", "80", "-e", "/bin/echo", "hello"];

Deno.test("the internet namespace is joined to the host one by a veth", async () => {
  // A host that forwards nothing, so that mydocker turns forwarding on (and guards it).
  await sh("echo 0 > /proc/sys/net/ipv4/ip_forward");
  await sh(
    `ip link add up0 type veth peer name wan0 netns ${internet.pid} &&
     ip addr add 198.51.100.1/24 dev up0 && ip link set up0 up`,
  );
  await sh(`ip addr add ${INTERNET}/24 dev wan0 && ip link set wan0 up`, internetNs);
});

Deno.test("a container on the default bridge reaches its gateway, and its files name it", async () => {
  const result = await mydocker(
    "run",
    "--rm",
    "--rootfs",
    rootfs,
    "--add-host",
    "gw:host-gateway",
    "--dns",
    "192.0.2.53",
    "-h",
    "box",
    "x",
    "sh",
    "-c",
    `ping -c 1 -W 2 ${GATEWAY} >/dev/null && echo reached; ip -4 route | grep default; ` +
      "grep -E 'box|gw' /etc/hosts; cat /etc/resolv.conf",
  );
  assert.equal(result.code, 0, result.stderrText);
  const lines = result.stdoutText.trim().split("\n");
  assert.equal(lines[0], "reached");
  assert.match(lines[1]!, new RegExp(`^default via ${GATEWAY} dev eth0`));
  assert.match(lines[2]!, /^172\.30\.0\.\d+\tbox$/);
  assert.equal(lines[3], `${GATEWAY}\tgw`);
  assert.equal(lines[4], "nameserver 192.0.2.53");
  assert.deepEqual(leases("bridge"), []);
  assert.deepEqual(await hostLinks(), ["lo", "mydocker0", "up0"]);
});

Deno.test("outbound traffic is masqueraded: a server in another namespace with no route back answers", async () => {
  const server = new Deno.Command("nsenter", {
    args: [`--net=${internetNs}`, ...TCP_SERVER.slice(0, 4), "8000", "-e", "/bin/echo", "world"],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  try {
    const result = await mydocker(
      "run",
      "--rm",
      "--rootfs",
      rootfs,
      "x",
      "sh",
      "-c",
      `for i in 1 2 3 4 5 6 7 8 9 10; do nc -w 2 ${INTERNET} 8000 </dev/null && exit 0; sleep 0.2; done; exit 1`,
    );
    assert.equal(result.stdoutText, "world\n", result.stderrText);
  } finally {
    server.kill("SIGKILL");
    await server.status;
  }
});

Deno.test("-p publishes TCP to the host's loopback, the bridge address and other hosts; port lists it", async () => {
  const run = await mydocker(
    "run",
    "-d",
    "--name",
    "web",
    "-p",
    "8080:80",
    "-p",
    "81",
    "--rootfs",
    rootfs,
    "x",
    ...TCP_SERVER,
  );
  assert.equal(run.code, 0, run.stderrText);
  assert.ok(await tcpAnswers("127.0.0.1", 8080, "hello\n"));
  assert.ok(await tcpAnswers(GATEWAY, 8080, "hello\n"));
  assert.ok(await tcpAnswers("198.51.100.1", 8080, "hello\n", internetNs));
  // Forwarded to the bridge past the guard mydocker added when it turned forwarding on.
  assert.equal(await sh("cat /proc/sys/net/ipv4/ip_forward"), "1\n");
  assert.match(
    await sh("nft list chain ip mydocker forward"),
    /iifname != @bridges oifname != @bridges drop/,
  );
  const ports = (await mydocker("port", "web")).stdoutText;
  assert.match(ports, /^80\/tcp -> 0\.0\.0\.0:8080\n81\/tcp -> 0\.0\.0\.0:(\d+)\n$/);
  assert.notEqual(ports.match(/:(\d+)\n$/)![1], "0");
  assert.equal((await mydocker("port", "web", "80")).stdoutText, "0.0.0.0:8080\n");
  const bindings = await mydocker("inspect", "-f", "{{json .HostConfig.PortBindings}}", "web");
  assert.equal(
    bindings.stdoutText,
    '{"80/tcp":[{"HostIp":"","HostPort":"8080"}],"81/tcp":[{"HostIp":"","HostPort":""}]}\n',
  );
  const ps = (await mydocker("ps", "--format", "{{.Names}} {{.Ports}}")).stdoutText;
  assert.match(ps, /^web 0\.0\.0\.0:8080->80\/tcp, 0\.0\.0\.0:\d+->81\/tcp$/m);
  const inspect = await mydocker(
    "inspect",
    "-f",
    "{{.NetworkSettings.Gateway}} {{.NetworkSettings.MacAddress}} {{json .NetworkSettings.Ports}}",
    "web",
  );
  assert.equal(
    inspect.stdoutText,
    `${GATEWAY} 02:42:ac:1e:00:02 {"80/tcp":[{"HostIp":"0.0.0.0","HostPort":"8080"}],"81/tcp":[{"HostIp":"0.0.0.0","HostPort":"${
      ports.match(/:(\d+)\n$/)![1]
    }"}]}\n`,
  );
});

Deno.test("a second container asking for the same host port fails with 125, writing nothing", async () => {
  const containers = [...Deno.readDirSync(`${stateRoot}/containers`)].length;
  const result = await mydocker("run", "--rm", "-p", "8080:80", "--rootfs", rootfs, "x", "true");
  assert.equal(result.code, 125);
  assert.equal(
    result.stderrText,
    "mydocker: Bind for 0.0.0.0:8080 failed: port is already allocated\n",
  );
  assert.equal([...Deno.readDirSync(`${stateRoot}/containers`)].length, containers);
  const busy = await mydocker(
    "run",
    "--rm",
    "-p",
    "127.0.0.1:8080:80",
    "--rootfs",
    rootfs,
    "x",
    "true",
  );
  assert.equal(busy.code, 125);
});

Deno.test("-p publishes UDP to the host's loopback and the bridge address", async () => {
  const run = await mydocker(
    "run",
    "-d",
    "--name",
    "dns",
    "-p",
    "5353:53/udp",
    "--rootfs",
    "/",
    "x",
    ...DENO,
    udpServer,
  );
  assert.equal(run.code, 0, run.stderrText);
  const loopback = await inNs([...DENO, udpClient, "127.0.0.1", "5353"]);
  assert.equal(loopback.stdoutText, "ping\n", loopback.stderrText);
  const bridge = await inNs([...DENO, udpClient, GATEWAY, "5353"]);
  assert.equal(bridge.stdoutText, "ping\n", bridge.stderrText);
  assert.equal((await mydocker("rm", "-f", "dns")).code, 0);
});

Deno.test("-P publishes the image's exposed ports to free host ports", async () => {
  // Pulled from the machine's loopback, where the registry is; run in the test namespace.
  const registry = await startRegistry({ tls: false, tokenAuth: false });
  try {
    await pushImage(registry, "exposing", "v1", {
      layers: [{ entries: await busyboxEntries() }],
      config: { Cmd: TCP_SERVER, ExposedPorts: { "80/tcp": {} } },
    });
    const image = `${registry.host}/exposing:v1`;
    const pulled = await runMydocker(["pull", "-q", image], {
      env: { ...registry.env, MYDOCKER_ROOT: stateRoot },
    });
    assert.equal(pulled.code, 0, pulled.stderrText);
    const run = await mydocker("run", "-d", "--name", "exposed", "-P", "--pull", "never", image);
    assert.equal(run.code, 0, run.stderrText);
    try {
      const port = (await mydocker("port", "exposed", "80/tcp")).stdoutText;
      assert.match(port, /^0\.0\.0\.0:\d+\n$/);
      assert.ok(await tcpAnswers("127.0.0.1", Number(port.trim().split(":")[1]), "hello\n"));
    } finally {
      assert.equal((await mydocker("rm", "-f", "exposed")).code, 0);
    }
  } finally {
    await registry.stop();
  }
});

Deno.test("containers on a user network reach each other by address and by name", async () => {
  const created = await mydocker("network", "create", "--subnet", "10.77.0.0/24", "backend");
  assert.equal(created.code, 0, created.stderrText);
  const ls = await mydocker("network", "ls", "--format", "{{.Name}} {{.Driver}}");
  assert.equal(ls.stdoutText, "backend bridge\nbridge bridge\nhost host\nnone null\n");
  const db = await mydocker(
    "run",
    "-d",
    "--name",
    "db",
    "--network",
    "backend",
    "--rootfs",
    rootfs,
    "x",
    ...TCP_SERVER,
  );
  assert.equal(db.code, 0, db.stderrText);
  const address = (await mydocker(
    "inspect",
    "-f",
    "{{.NetworkSettings.Networks.backend.IPAddress}}",
    "db",
  )).stdoutText.trim();
  assert.equal(address, "10.77.0.2");
  const client = await mydocker(
    "run",
    "--rm",
    "--network",
    "backend",
    "--rootfs",
    rootfs,
    "x",
    "sh",
    "-c",
    `for i in 1 2 3 4 5 6 7 8 9 10; do nc -w 2 db 80 </dev/null && break; sleep 0.2; done; ` +
      `nc -w 2 ${address} 80 </dev/null`,
  );
  assert.equal(client.stdoutText, "hello\nhello\n", client.stderrText);
  const inspect = JSON.parse((await mydocker("network", "inspect", "backend")).stdoutText);
  assert.equal(inspect[0].IPAM.Config[0].Subnet, "10.77.0.0/24");
  assert.deepEqual(Object.values(inspect[0].Containers).map((c) => (c as { Name: string }).Name), [
    "db",
  ]);
  const refused = await mydocker("network", "rm", "backend");
  assert.equal(refused.code, 125);
  assert.match(refused.stderrText, /has active endpoints/);
});

Deno.test("--network container:NAME joins the other container's namespace", async () => {
  const result = await mydocker(
    "run",
    "--rm",
    "--network",
    "container:db",
    "--rootfs",
    rootfs,
    "x",
    "sh",
    "-c",
    "ip -4 -o addr show eth0 | awk '{print $4}'; nc -w 2 127.0.0.1 80 </dev/null",
  );
  assert.equal(result.stdoutText, "10.77.0.2/24\nhello\n", result.stderrText);
  const conflict = await mydocker(
    "run",
    "--rm",
    "--network",
    "container:db",
    "-p",
    "80",
    "--rootfs",
    rootfs,
    "x",
    "true",
  );
  assert.equal(
    conflict.stderrText,
    "mydocker: conflicting options: port publishing and the container type network mode\n",
  );
  assert.equal(conflict.code, 125);
});

Deno.test("concurrent runs get distinct addresses", async () => {
  const names = ["c1", "c2", "c3", "c4"];
  const runs = await Promise.all(names.map((name) =>
    mydocker(
      "run",
      "-d",
      "--name",
      name,
      "--network",
      "backend",
      "--rootfs",
      rootfs,
      "x",
      "sleep",
      "60",
    )
  ));
  for (const run of runs) assert.equal(run.code, 0, run.stderrText);
  const inspect = await mydocker(
    "inspect",
    "-f",
    "{{.NetworkSettings.IPAddress}}",
    ...names,
  );
  const addresses = inspect.stdoutText.trim().split("\n");
  assert.equal(new Set(addresses).size, 4, addresses.join(" "));
  for (const address of addresses) assert.match(address, /^10\.77\.0\.\d+$/);
  assert.equal((await mydocker("rm", "-f", ...names)).code, 0);
});

Deno.test("ended containers leave no veth, lease or published port", async () => {
  assert.equal((await mydocker("rm", "-f", "web", "db")).code, 0);
  assert.deepEqual(
    await hostLinks(),
    ["lo", "mdbr-" + (await bridgeSuffix()), "mydocker0", "up0"].sort(),
  );
  assert.deepEqual(leases("bridge"), []);
  assert.deepEqual(leases("backend"), []);
  assert.doesNotMatch(await publishedPorts(), /elements/);
});

async function bridgeSuffix(): Promise<string> {
  const inspect = JSON.parse((await mydocker("network", "inspect", "backend")).stdoutText);
  return inspect[0].Id.slice(0, 10);
}

Deno.test("after SIGKILL of mydocker, the next run sweeps its lease, port and veth", async () => {
  const child = new Deno.Command("nsenter", {
    args: [
      `--net=${hostNs}`,
      MYDOCKER,
      "run",
      "--rm",
      "-p",
      "9090:80",
      "--rootfs",
      rootfs,
      "x",
      "sleep",
      "30.5",
    ],
    env,
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  assert.ok(await waitFor(() => leases("bridge").length === 1, 10_000));
  assert.ok(await waitForAsync(async () => (await publishedPorts()).includes("9090")));
  child.kill("SIGKILL");
  await child.status;
  assert.equal((await mydocker("ps")).code, 0);
  assert.deepEqual(leases("bridge"), []);
  assert.doesNotMatch(await publishedPorts(), /9090/);
  assert.ok(await waitForAsync(async () => !(await hostLinks()).some((l) => l.startsWith("veth"))));
});

Deno.test("network rm and network prune remove every bridge and rule mydocker made", async () => {
  assert.equal((await mydocker("network", "rm", "backend")).stdoutText, "backend\n");
  assert.equal((await mydocker("network", "prune", "-f")).code, 0);
  assert.deepEqual(await hostLinks(), ["lo", "up0"]);
  assert.equal(await sh("nft list tables"), "");
});

Deno.test("the test namespaces go", async () => {
  for (const holder of [host, internet]) {
    holder.kill("SIGKILL");
    await holder.status;
  }
  await Deno.remove(configDir, { recursive: true });
});
