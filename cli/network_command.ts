/**
 * `mydocker network create|inspect|ls|prune|rm` and `mydocker port`: what Docker's CLI prints,
 * one network at a time, carrying on past one that fails.
 *
 * @module
 */

import {
  containerPorts,
  createNetwork,
  inspectNetwork,
  networkSummaries,
  pruneNetworks,
  removeNetwork,
} from "../engine/networks.ts";
import { portKey, portLines } from "../runtime/spec/port_bindings.ts";
import { ExitCodeError } from "../sys/exit_codes.ts";
import { confirm } from "./confirm.ts";
import { printFormatted } from "./format_option.ts";
import type { NetworkInvocation } from "./network_commands.ts";
import { forEachReported } from "./report_error.ts";

/** `network ls`' `--format` placeholders and their `table` headers, as Docker names them. */
const NETWORK_HEADERS = {
  ID: "NETWORK ID",
  Name: "NAME",
  Driver: "DRIVER",
  Scope: "SCOPE",
  IPv6: "IPV6",
  Internal: "INTERNAL",
  CreatedAt: "CREATED AT",
} as const;

const NETWORK_TABLE = "table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}";

const PRUNE_WARNING =
  "WARNING! This will remove all custom networks not used by at least one container.";

/** Runs one `mydocker network` subcommand and returns the exit code. */
export async function networkCommand(root: string, invocation: NetworkInvocation): Promise<number> {
  switch (invocation.command) {
    case "create": {
      const { subnet, gateway, driver } = invocation.options;
      const network = createNetwork(root, invocation.args[0]!, {
        ...(subnet === undefined ? {} : { subnet }),
        ...(gateway === undefined ? {} : { gateway }),
        ...(driver === undefined ? {} : { driver }),
      });
      console.log(network.id);
      return 0;
    }
    case "ls": {
      const { quiet, format } = invocation.options;
      const full = invocation.options.noTrunc === true;
      const networks = networkSummaries(root);
      const id = (value: string) => full ? value : value.slice(0, 12);
      const custom = format !== undefined && format !== "table";
      if (quiet === true && !custom) {
        for (const network of networks) console.log(id(network.id));
        return 0;
      }
      const rows = networks.map((network) => ({
        ID: id(network.id),
        Name: network.name,
        Driver: network.driver,
        Scope: network.scope,
        IPv6: "false",
        Internal: "false",
        CreatedAt: network.created,
      }));
      printFormatted(custom ? format! : NETWORK_TABLE, rows, NETWORK_HEADERS);
      return 0;
    }
    case "inspect": {
      const found: Record<string, unknown>[] = [];
      const exitCode = forEachReported(
        invocation.args,
        (name) => found.push(inspectNetwork(root, name)),
      );
      console.log(JSON.stringify(found, null, 4));
      return exitCode;
    }
    case "rm":
      return forEachReported(invocation.args, (name) => {
        removeNetwork(root, name);
        console.log(name);
      });
    case "prune": {
      if (invocation.options.force !== true && !await confirm(PRUNE_WARNING)) return 0;
      const removed = pruneNetworks(root);
      if (removed.length > 0) console.log(["Deleted Networks:", ...removed, ""].join("\n"));
      return 0;
    }
  }
}

/**
 * `mydocker port CONTAINER [PRIVATE_PORT[/PROTO]]`: its published ports, `80/tcp ->
 * 0.0.0.0:8080`, or the host addresses of one.
 *
 * @throws {ExitCodeError} (125) for an unknown container; Docker's `Error: No public port
 * '80/tcp' published for NAME` when the port is not published.
 */
export function portCommand(root: string, reference: string, port: string | undefined): number {
  const { name, ports } = containerPorts(root, reference);
  if (port === undefined) {
    for (const line of portLines(ports)) console.log(line);
    return 0;
  }
  const key = port.includes("/") ? port : `${port}/tcp`;
  const matching = ports.filter((binding) => portKey(binding) === key);
  if (matching.length === 0) {
    throw new ExitCodeError(
      `Error: No public port '${key}' published for ${name}`,
    );
  }
  for (const binding of matching) console.log(`${binding.hostIp}:${binding.hostPort}`);
  return 0;
}
