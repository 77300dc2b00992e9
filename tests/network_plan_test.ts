import assert from "node:assert/strict";
import {
  addressAt,
  DEFAULT_ADDRESS_POOLS,
  formatSubnet,
  freeSubnet,
  overlaps,
  parseSubnet,
} from "../runtime/network/subnet.ts";
import { baseRules, forwardGuardRules, portElements } from "../runtime/network/nft_rules.ts";
import { jumpRules, networkRules, portRules } from "../runtime/network/iptables_rules.ts";
import { leaseAddress, listLeases, releaseAddress, staleLeases } from "../runtime/network/ipam.ts";
import { storeNetwork } from "../runtime/network/network_store.ts";
import { parseNetworkConfig } from "../runtime/network/network_config.ts";
import { containerResolvConf, parseExtraHost } from "../runtime/spec/resolv_conf.ts";
import { processIdentity } from "../sys/process_identity.ts";

Deno.test("parseSubnet() masks to the network; freeSubnet() skips what overlaps", () => {
  assert.equal(formatSubnet(parseSubnet("172.17.3.4/16")), "172.17.0.0/16");
  assert.equal(addressAt(parseSubnet("10.0.0.0/24"), 1), "10.0.0.1");
  assert.ok(overlaps(parseSubnet("172.16.0.0/12"), parseSubnet("172.17.0.0/16")));
  assert.ok(!overlaps(parseSubnet("172.17.0.0/16"), parseSubnet("172.18.0.0/16")));
  const taken = [parseSubnet("172.17.0.0/16"), parseSubnet("172.18.5.0/24")];
  assert.equal(formatSubnet(freeSubnet(DEFAULT_ADDRESS_POOLS, taken)!), "172.19.0.0/16");
  assert.throws(() => parseSubnet("10.0.0.0/33"), RangeError);
  assert.throws(() => parseSubnet("10.0.0/8"), RangeError);
});

Deno.test("parseNetworkConfig() reads bip, default-address-pools and bridge", () => {
  const config = parseNetworkConfig(
    JSON.stringify({
      bip: "10.9.0.1/24",
      "default-address-pools": [{ base: "10.10.0.0/16", size: 24 }],
      bridge: "none",
    }),
    "c.json",
  );
  assert.deepEqual(config, {
    bip: "10.9.0.1/24",
    pools: [{ base: "10.10.0.0/16", size: 24 }],
    bridgeDisabled: true,
  });
  assert.equal(parseNetworkConfig(undefined, "c.json").pools, DEFAULT_ADDRESS_POOLS);
  assert.throws(
    () => parseNetworkConfig('{"bip": "x"}', "c.json"),
    /Cannot load config file "c.json"/,
  );
});

Deno.test("the firewall's rules live in mydocker's own table and vary only by elements", () => {
  for (const line of [...baseRules().split("\n"), ...forwardGuardRules().split("\n")]) {
    if (line !== "") assert.match(line, /^(add|flush) (table|set|map|chain|rule) ip mydocker\b/);
  }
  assert.equal(
    portElements("add", [
      { hostIp: "0.0.0.0", hostPort: 8080, containerPort: 80, protocol: "tcp" },
      { hostIp: "127.0.0.1", hostPort: 5353, containerPort: 53, protocol: "udp" },
    ], "172.17.0.2"),
    "add element ip mydocker ports { tcp . 8080 : 172.17.0.2 . 80 }\n" +
      "add element ip mydocker address_ports { 127.0.0.1 . udp . 5353 : 172.17.0.2 . 53 }\n",
  );
  assert.equal(
    portElements("delete", [{
      hostIp: "0.0.0.0",
      hostPort: 8080,
      containerPort: 80,
      protocol: "tcp",
    }], "x"),
    "delete element ip mydocker ports { tcp . 8080 }\n",
  );
});

Deno.test("the iptables rules live in mydocker's own chains, but for the jumps into them", () => {
  const rules = [
    ...jumpRules(true),
    ...networkRules("mydocker0", "172.17.0.0/16", true),
    ...portRules(
      [{ hostIp: "0.0.0.0", hostPort: 8080, containerPort: 80, protocol: "tcp" }],
      "172.17.0.2",
    ),
  ];
  for (const rule of rules) {
    const own = rule.chain.startsWith("MYDOCKER");
    const jump = rule.spec.at(-1)!.startsWith("MYDOCKER");
    assert.ok(own || jump, `${rule.chain} ${rule.spec.join(" ")}`);
  }
  assert.deepEqual(rules.at(-1), {
    table: "nat",
    chain: "MYDOCKER",
    spec: ["-p", "tcp", "--dport", "8080", "-j", "DNAT", "--to-destination", "172.17.0.2:80"],
  });
  assert.deepEqual(
    networkRules("mydocker0", "172.17.0.0/16", false).map((rule) => rule.spec.join(" ")),
    [
      "-s 127.0.0.0/8 -o mydocker0 -j MASQUERADE",
      "-s 172.17.0.0/16 -o mydocker0 -m conntrack --ctstate DNAT -j MASQUERADE",
      "-s 172.17.0.0/16 ! -o mydocker0 -j MASQUERADE",
    ],
  );
});

Deno.test("leaseAddress() hands out distinct addresses, skipping the gateway, and frees them", async () => {
  const root = await Deno.makeTempDir();
  try {
    const network = storeNetwork(root, "n", { subnet: parseSubnet("10.1.0.0/29") }, "fail");
    const lease = (container: string) =>
      leaseAddress(root, network, {
        container,
        name: container,
        monitor: processIdentity(),
        veth: "veth0",
        ports: [],
        hostsFile: "/dev/null",
      });
    const addresses = ["a", "b", "c", "d", "e"].map((id) => lease(id).address);
    assert.deepEqual(addresses, ["10.1.0.2", "10.1.0.3", "10.1.0.4", "10.1.0.5", "10.1.0.6"]);
    assert.throws(() => lease("f"), /no available IPv4 addresses/);
    releaseAddress(root, "n", "10.1.0.4");
    assert.equal(lease("g").address, "10.1.0.4");
    assert.equal(listLeases(root, "n").length, 5);
    assert.deepEqual(staleLeases(root, "n"), []);
    assert.throws(
      () => storeNetwork(root, "n", { subnet: parseSubnet("10.2.0.0/24") }, "fail"),
      /already exists/,
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("containerResolvConf() replaces the stub resolver with the upstreams, and --dns wins", () => {
  const stub = "nameserver 127.0.0.53\noptions edns0 trust-ad\nsearch lan\n";
  const upstream = "nameserver 192.0.2.1\nnameserver 192.0.2.2\n";
  const none = { servers: [], search: [], options: [] };
  assert.equal(
    containerResolvConf(stub, upstream, none),
    "search lan\nnameserver 192.0.2.1\nnameserver 192.0.2.2\noptions edns0 trust-ad\n",
  );
  assert.equal(
    containerResolvConf(stub, undefined, none),
    "search lan\nnameserver 8.8.8.8\nnameserver 8.8.4.4\noptions edns0 trust-ad\n",
  );
  assert.equal(
    containerResolvConf(stub, undefined, none, true),
    "search lan\nnameserver 127.0.0.53\noptions edns0 trust-ad\n",
  );
  assert.equal(
    containerResolvConf(stub, upstream, {
      servers: ["1.1.1.1"],
      search: ["."],
      options: ["ndots:2"],
    }),
    "nameserver 1.1.1.1\noptions ndots:2\n",
  );
  assert.deepEqual(parseExtraHost("db:10.0.0.5"), ["db", "10.0.0.5"]);
  assert.deepEqual(parseExtraHost("gw:host-gateway"), ["gw", "host-gateway"]);
  assert.throws(() => parseExtraHost("db"), /bad format for add-host: "db"/);
});
