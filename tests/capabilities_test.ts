import assert from "node:assert/strict";
import {
  CAPABILITY_NAMES,
  capabilityMask,
  DEFAULT_CAPABILITIES,
  normalizeCapability,
} from "../runtime/spec/capabilities.ts";
import { maskHas } from "../runtime/host/signal_forwarding.ts";

Deno.test("capabilityMask() of Docker's defaults is the CapEff Docker containers show", () => {
  assert.equal(capabilityMask(DEFAULT_CAPABILITIES).toString(16), "a80425fb");
  assert.equal(CAPABILITY_NAMES.indexOf("SYS_ADMIN"), 21);
});

Deno.test("normalizeCapability() accepts CAP_ prefixes and any case, rejects unknown names", () => {
  assert.equal(normalizeCapability("cap_net_admin"), "NET_ADMIN");
  assert.equal(normalizeCapability("all"), "ALL");
  assert.throws(() => normalizeCapability("CAP_FLY"), /Unknown capability "CAP_FLY"/);
});

Deno.test("maskHas() reads /proc status signal masks", () => {
  assert.equal(maskHas("0000000000004002", 2), true);
  assert.equal(maskHas("0000000000004002", 15), true);
  assert.equal(maskHas("0000000000004002", 1), false);
});
