/**
 * The host's firewall, through whichever tool it has: `nft` (mydocker's own table, see
 * `nft_rules.ts`), else `iptables` (mydocker's own chains, see `iptables_rules.ts`);
 * `$MYDOCKER_FIREWALL` (`nft` or `iptables`) chooses one. A host with neither still gets bridges
 * (containers reach the host and each other) but no outbound NAT, and cannot publish ports. Both set up the same things: a
 * network's masquerade (and, when mydocker turned `ip_forward` on, the forwarding guard), a
 * container's published ports, and their removal.
 *
 * @module
 */

import { ExitCodeError } from "../../sys/exit_codes.ts";
import type { PortBinding } from "../spec/port_bindings.ts";
import {
  Chain,
  type IptablesRule,
  jumpRules,
  networkRules,
  ownChains,
  portRules,
} from "./iptables_rules.ts";
import {
  baseRules,
  deleteTableRules,
  forwardGuardRules,
  networkElements,
  portElements,
} from "./nft_rules.ts";

/** What mydocker asks of the host's firewall. */
export interface Firewall {
  /** Whether it can publish ports (there is a tool to set the rules with). */
  readonly publishes: boolean;
  /**
   * Sets up mydocker's rules (idempotent) and network bridge `bridge` on `subnet`; `guard`: the
   * host did not forward before, so forward nothing but mydocker's bridges' traffic.
   */
  addNetwork(bridge: string, subnet: string, guard: boolean): void;
  /** Removes the rules of network `bridge` on `subnet`; nothing when they are gone. */
  removeNetwork(bridge: string, subnet: string): void;
  /** Publishes `ports` of the container at `address`. */
  publish(ports: readonly PortBinding[], address: string): void;
  /** Unpublishes them; nothing when they are gone. */
  unpublish(ports: readonly PortBinding[], address: string): void;
  /** Removes everything mydocker set up; nothing when it is gone. */
  removeAll(): void;
}

/** Runs `program` with `args`; returns whether it succeeded and its first line of stderr. */
function run(program: string, args: readonly string[]): { ok: boolean; message: string } {
  let output: Deno.CommandOutput;
  try {
    output = new Deno.Command(program, { args: [...args], stdin: "null", stdout: "null" })
      .outputSync();
  } catch (error) {
    const why = error instanceof Deno.errors.NotFound ? `${program} not found` : String(error);
    throw new ExitCodeError(`Cannot set up the firewall: ${why}`);
  }
  const message = new TextDecoder().decode(output.stderr).trim().split("\n")[0] ?? "";
  return { ok: output.success, message };
}

function must(program: string, args: readonly string[]): void {
  const { ok, message } = run(program, args);
  if (!ok) throw new ExitCodeError(`Cannot set up the firewall: ${program}: ${message}`);
}

function ignoringFailure(action: () => void): void {
  try {
    action();
  } catch {
    // Gone already.
  }
}

/** nftables: each change one transaction of `nft` (its text as one argument). */
const nft: Firewall = {
  publishes: true,
  addNetwork(bridge, subnet, guard) {
    must("nft", [
      baseRules() + networkElements("add", bridge, subnet) + (guard ? forwardGuardRules() : ""),
    ]);
  },
  removeNetwork(bridge, subnet) {
    ignoringFailure(() => must("nft", [networkElements("delete", bridge, subnet)]));
  },
  publish(ports, address) {
    must("nft", [portElements("add", ports, address)]);
  },
  unpublish(ports, address) {
    ignoringFailure(() => must("nft", [portElements("delete", ports, address)]));
  },
  removeAll() {
    ignoringFailure(() => must("nft", [deleteTableRules()]));
  },
};

function ruleArgs(rule: IptablesRule, action: string): string[] {
  return ["-w", "-t", rule.table, action, rule.chain, ...rule.spec];
}

/** Adds `rule` unless it is there already. */
function ensure(rule: IptablesRule): void {
  if (run("iptables", ruleArgs(rule, "-C")).ok) return;
  const args = rule.position === "first"
    ? ["-w", "-t", rule.table, "-I", rule.chain, "1", ...rule.spec]
    : ruleArgs(rule, "-A");
  must("iptables", args);
}

/** iptables: rule by rule, each checked first so that a repeat adds nothing. */
const iptables: Firewall = {
  publishes: true,
  addNetwork(bridge, subnet, guard) {
    for (const [table, chain] of ownChains(guard)) {
      run("iptables", ["-w", "-t", table, "-N", chain]);
    }
    // A network added after the guard was set up gets its exceptions from the guard too.
    const guarded = guard || run("iptables", ["-w", "-t", "filter", "-S", Chain.FORWARD]).ok;
    for (const rule of [...jumpRules(guard), ...networkRules(bridge, subnet, guarded)]) {
      ensure(rule);
    }
  },
  removeNetwork(bridge, subnet) {
    for (const rule of networkRules(bridge, subnet, true)) run("iptables", ruleArgs(rule, "-D"));
  },
  publish(ports, address) {
    for (const rule of portRules(ports, address)) must("iptables", ruleArgs(rule, "-A"));
  },
  unpublish(ports, address) {
    for (const rule of portRules(ports, address)) run("iptables", ruleArgs(rule, "-D"));
  },
  removeAll() {
    for (const rule of jumpRules(true)) run("iptables", ruleArgs(rule, "-D"));
    for (const [table, chain] of ownChains(true)) {
      run("iptables", ["-w", "-t", table, "-F", chain]);
      run("iptables", ["-w", "-t", table, "-X", chain]);
    }
  },
};

/** No tool to set rules with: nothing to set up or remove, and no port can be published. */
const absent: Firewall = {
  publishes: false,
  addNetwork() {},
  removeNetwork() {},
  publish() {
    throw new ExitCodeError(NO_FIREWALL);
  },
  unpublish() {},
  removeAll() {},
};

/** Why ports cannot be published without a firewall tool. */
export const NO_FIREWALL = "Cannot publish ports: neither nft nor iptables is installed";

/** Whether `program` is an executable file in a directory of `$PATH`. */
function onPath(program: string): boolean {
  return (Deno.env.get("PATH") ?? "/usr/sbin:/usr/bin:/sbin:/bin").split(":").some((dir) => {
    try {
      return Deno.statSync(`${dir}/${program}`).isFile;
    } catch {
      return false;
    }
  });
}

/**
 * The host's firewall: `$MYDOCKER_FIREWALL`'s, else nft when it is installed, else iptables,
 * else none.
 *
 * @throws {ExitCodeError} (125) when `$MYDOCKER_FIREWALL` names neither.
 */
export function hostFirewall(): Firewall {
  const chosen = Deno.env.get("MYDOCKER_FIREWALL");
  if (chosen === "nft") return nft;
  if (chosen === "iptables") return iptables;
  if (chosen !== undefined && chosen !== "") {
    throw new ExitCodeError(
      `Cannot use MYDOCKER_FIREWALL "${chosen}": choose "nft" or "iptables"`,
    );
  }
  return onPath("nft") ? nft : onPath("iptables") ? iptables : absent;
}
