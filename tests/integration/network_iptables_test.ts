/**
 * The iptables firewall (`MYDOCKER_FIREWALL=iptables`, what a host without `nft` gets): published
 * ports, outbound masquerade and cleanup, in a network namespace this file makes, never the
 * machine's own.
 */

import assert from "node:assert/strict";
import { MYDOCKER, type RunResult, runResult } from "../../testing/mydocker.ts";
import { makeTestBed } from "../../testing/test_bed.ts";

const { rootfs, stateRoot } = await makeTestBed();
const configDir = await Deno.makeTempDir({ prefix: "mydocker-iptables-config-" });
await Deno.writeTextFile(`${configDir}/config.json`, "{}\n");
const env = {
  MYDOCKER_ROOT: stateRoot,
  MYDOCKER_CONFIG: `${configDir}/config.json`,
  MYDOCKER_FIREWALL: "iptables",
};
const decoder = new TextDecoder();

const holder = new Deno.Command("unshare", {
  args: ["--net", "sh", "-c", "ip link set lo up && exec sleep 3600"],
  stdin: "null",
}).spawn();

async function inNs(command: string[]): Promise<RunResult> {
  const output = await new Deno.Command("nsenter", {
    args: [`--net=/proc/${holder.pid}/ns/net`, ...command],
    env,
    stdin: "null",
  }).output();
  return runResult(output);
}

const mydocker = (...args: string[]) => inNs([MYDOCKER, ...args]);
// A namespace that forwards nothing, so that mydocker turns forwarding on (and guards it).
await inNs(["sh", "-c", "echo 0 > /proc/sys/net/ipv4/ip_forward"]);

async function answers(address: string, port: number): Promise<string> {
  let last = "";
  for (let attempt = 0; attempt < 100 && last !== "hello\n"; attempt++) {
    last = (await inNs(["busybox", "nc", "-w", "2", address, String(port)])).stdoutText;
    if (last !== "hello\n") await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return last;
}

const rules = async (table: string) =>
  (await inNs(["iptables", "-w", "-t", table, "-S"])).stdoutText;

Deno.test("with iptables, -p publishes to the host's loopback and the bridge address", async () => {
  const run = await mydocker(
    "run",
    "-d",
    "--name",
    "web",
    "-p",
    "8080:80",
    "--rootfs",
    rootfs,
    "x",
    "busybox",
    "nc",
    "-ll",
    "-p",
    "80",
    "-e",
    "/bin/echo",
    "hello",
  ); // deno-fmt-ignore
  assert.equal(run.code, 0, run.stderrText);
  assert.equal(await answers("127.0.0.1", 8080), "hello\n");
  assert.equal(await answers("172.17.0.1", 8080), "hello\n");
  const nat = await rules("nat");
  assert.match(nat, /-A PREROUTING -m addrtype --dst-type LOCAL -j MYDOCKER\n/);
  assert.match(
    nat,
    /-A MYDOCKER -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172\.17\.0\.2:80/,
  );
  assert.match(nat, /-A MYDOCKER-POSTROUTING -s 172\.17\.0\.0\/16 ! -o mydocker0 -j MASQUERADE/);
  // mydocker turned forwarding on: the guard forwards only its bridges' traffic.
  assert.equal((await inNs(["cat", "/proc/sys/net/ipv4/ip_forward"])).stdoutText, "1\n");
  const filter = await rules("filter");
  assert.match(filter, /-A MYDOCKER-FORWARD -i mydocker0 -j RETURN\n/);
  assert.match(filter, /-A MYDOCKER-FORWARD -j DROP\n/);
});

Deno.test("with iptables, an ended container's DNAT rule goes, and prune removes mydocker's chains", async () => {
  assert.equal((await mydocker("rm", "-f", "web")).code, 0);
  assert.doesNotMatch(await rules("nat"), /-j DNAT/);
  assert.equal((await mydocker("network", "prune", "-f")).code, 0);
  assert.doesNotMatch(await rules("nat"), /MYDOCKER/);
  assert.doesNotMatch(await rules("filter"), /MYDOCKER/);
  assert.doesNotMatch((await inNs(["ip", "-o", "link"])).stdoutText, /mydocker0/);
});

Deno.test("without nft or iptables, a bridge still works but no port can be published", async () => {
  // A PATH without /usr/sbin and /sbin, where nft and iptables live.
  const bare = (...args: string[]) =>
    new Deno.Command("nsenter", {
      args: [`--net=/proc/${holder.pid}/ns/net`, MYDOCKER, ...args],
      env: { ...env, MYDOCKER_FIREWALL: "", PATH: "/usr/local/bin:/usr/bin:/bin" },
      stdin: "null",
    }).output();
  const ping = await bare("run", "--rm", "--rootfs", rootfs, "x", "ping", "-c", "1", "172.17.0.1");
  assert.equal(ping.code, 0, decoder.decode(ping.stderr));
  const publish = await bare("run", "--rm", "-p", "8081:80", "--rootfs", rootfs, "x", "true");
  assert.equal(publish.code, 125);
  assert.equal(
    decoder.decode(publish.stderr),
    "mydocker: Cannot publish ports: neither nft nor iptables is installed\n",
  );
  assert.doesNotMatch(await rules("nat"), /MYDOCKER/);
  assert.equal((await bare("network", "prune", "-f")).code, 0);
});

Deno.test("the iptables test namespace goes", async () => {
  holder.kill("SIGKILL");
  await holder.status;
  await Deno.remove(configDir, { recursive: true });
});
