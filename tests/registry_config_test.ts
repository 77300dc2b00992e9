import assert from "node:assert/strict";
import { join } from "node:path";
import { ipInCidr, parseIp } from "../registry/distribution/cidr.ts";
import {
  DEFAULT_CONFIG_FILE,
  isInsecureRegistry,
  loadCaCerts,
  loadRegistryConfig,
  parseRegistryConfig,
  RegistryConfigError,
} from "../registry/distribution/registry_config.ts";

Deno.test("parseRegistryConfig() applies defaults and derives the certs.d directories", () => {
  assert.deepEqual(parseRegistryConfig("{}", "/x/config.json"), {
    file: "/x/config.json",
    registryMirrors: [],
    insecureRegistries: [],
    maxConcurrentDownloads: 3,
    certDirectories: ["/etc/docker/certs.d", "/x/certs.d"],
    timeouts: { responseMs: 30_000, idleMs: 30_000 },
  });
});

Deno.test("parseRegistryConfig() reads daemon.json keys", () => {
  const config = parseRegistryConfig(
    JSON.stringify({
      "registry-mirrors": ["https://mirror.example.com/"],
      "insecure-registries": ["myhost:5000", "10.0.0.0/8"],
      "max-concurrent-downloads": 6,
    }),
    "/c.json",
  );
  assert.deepEqual(config.registryMirrors, ["https://mirror.example.com"]);
  assert.deepEqual(config.insecureRegistries, ["myhost:5000", "10.0.0.0/8"]);
  assert.equal(config.maxConcurrentDownloads, 6);
});

Deno.test("parseRegistryConfig() names the file and the problem for bad input", () => {
  const cases: [string, RegExp][] = [
    ["{oops", /^Cannot load config file "\/c\.json": /],
    ["[]", /expected a JSON object/],
    ['{"registry-mirrors":"x"}', /"registry-mirrors" must be an array of strings/],
    ['{"registry-mirrors":["not a url"]}', /is not a URL/],
    ['{"registry-mirrors":["ftp://m"]}', /must use http or https/],
    ['{"max-concurrent-downloads":0}', /must be a positive integer, got 0/],
  ];
  for (const [text, message] of cases) {
    assert.throws(() => parseRegistryConfig(text, "/c.json"), (error: unknown) => {
      assert.ok(error instanceof RegistryConfigError);
      assert.match(error.message, message);
      return true;
    });
  }
});

Deno.test("loadRegistryConfig() honours $MYDOCKER_CONFIG and treats a missing file as defaults", async () => {
  const missing = await loadRegistryConfig((name) =>
    name === "MYDOCKER_CONFIG" ? "/nonexistent/mydocker/config.json" : undefined
  );
  assert.equal(missing.maxConcurrentDownloads, 3);
  assert.equal(missing.file, "/nonexistent/mydocker/config.json");
  const dir = await Deno.makeTempDir();
  try {
    const file = join(dir, "config.json");
    await Deno.writeTextFile(file, '{"max-concurrent-downloads": 9}');
    assert.equal((await loadRegistryConfig(() => file)).maxConcurrentDownloads, 9);
    await Deno.writeTextFile(file, "{");
    await assert.rejects(() => loadRegistryConfig(() => file), {
      name: "RegistryConfigError",
      message: new RegExp(`^Cannot load config file "${file}"`),
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  assert.equal(DEFAULT_CONFIG_FILE, "/etc/mydocker/config.json");
});

Deno.test("isInsecureRegistry() allows loopback always and configured hosts and CIDRs", () => {
  const config = parseRegistryConfig(
    JSON.stringify({ "insecure-registries": ["myhost:5000", "10.0.0.0/8", "fd00::/8"] }),
    "/c.json",
  );
  assert.ok(isInsecureRegistry(config, "127.0.0.1:5000"));
  assert.ok(isInsecureRegistry(config, "127.9.9.9"));
  assert.ok(isInsecureRegistry(config, "localhost:5000"));
  assert.ok(isInsecureRegistry(config, "[::1]:5000"));
  assert.ok(isInsecureRegistry(config, "myhost:5000"));
  assert.ok(isInsecureRegistry(config, "10.1.2.3:443"));
  assert.ok(isInsecureRegistry(config, "[fd12::1]:5000"));
  assert.ok(!isInsecureRegistry(config, "myhost:5001"));
  assert.ok(!isInsecureRegistry(config, "11.1.2.3"));
  assert.ok(!isInsecureRegistry(config, "quay.io"));
});

Deno.test("ipInCidr() compares prefixes bit by bit for IPv4 and IPv6", () => {
  assert.ok(ipInCidr("192.168.1.200", "192.168.1.128/25"));
  assert.ok(!ipInCidr("192.168.1.100", "192.168.1.128/25"));
  assert.ok(ipInCidr("::1", "::1/128"));
  assert.ok(!ipInCidr("::2", "::1/128"));
  assert.ok(!ipInCidr("10.0.0.1", "::/0"));
  assert.deepEqual(parseIp("1::2"), Uint8Array.from([0, 1, ...Array(12).fill(0), 0, 2]));
  assert.equal(parseIp("256.0.0.1"), undefined);
  assert.equal(parseIp("host"), undefined);
});

Deno.test("loadCaCerts() reads every *.crt of the host from all certs.d directories", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(join(dir, "certs.d", "reg:5000"), { recursive: true });
    await Deno.writeTextFile(join(dir, "certs.d", "reg:5000", "b.crt"), "B");
    await Deno.writeTextFile(join(dir, "certs.d", "reg:5000", "a.crt"), "A");
    await Deno.writeTextFile(join(dir, "certs.d", "reg:5000", "client.key"), "K");
    const config = parseRegistryConfig("{}", join(dir, "config.json"));
    assert.deepEqual(await loadCaCerts(config, "reg:5000"), ["A", "B"]);
    assert.deepEqual(await loadCaCerts(config, "other:5000"), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
