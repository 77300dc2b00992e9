/**
 * Published ports as Docker reads them: `-p [IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL]` (ports
 * or ranges of equal length), `-P` over the image's ExposedPorts, and how `docker port` and
 * inspect show them. Pure.
 *
 * @module
 */

/** A protocol a port is published for. */
export type PortProtocol = "tcp" | "udp";

/** One container port published on the host. */
export interface PortBinding {
  /** The host address it listens on; `0.0.0.0` for every one. */
  hostIp: string;
  /** The host port; 0 until a free one is chosen (`-P`, `-p CONTAINER_PORT`). */
  hostPort: number;
  /** The container's port. */
  containerPort: number;
  protocol: PortProtocol;
}

/** Thrown for a `-p` value Docker would refuse; the message is Docker's. */
export class PortSpecError extends Error {
  override name = "PortSpecError";
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function isIpv4(value: string): boolean {
  const match = IPV4.exec(value);
  return match !== null && match.slice(1).every((part) => Number(part) <= 255);
}

/** `[first, last]` of a port or range; undefined when it is not one. */
function portRange(value: string): [number, number] | undefined {
  const match = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(value);
  if (match === null) return undefined;
  const first = Number(match[1]);
  const last = match[2] === undefined ? first : Number(match[2]);
  if (first > 65535 || last > 65535 || last < first) return undefined;
  return [first, last];
}

/**
 * Reads one `-p` value into its bindings (one per port of a range).
 *
 * @throws {PortSpecError} with Docker's wording: `invalid containerPort: x`, `invalid hostPort:
 * x`, `invalid IP address: x`, `invalid proto: x`.
 */
export function parsePublish(value: string): PortBinding[] {
  const slash = value.lastIndexOf("/");
  const protocol = slash < 0 ? "tcp" : value.slice(slash + 1);
  if (protocol !== "tcp" && protocol !== "udp") {
    throw new PortSpecError(`invalid proto: ${protocol}`);
  }
  const spec = slash < 0 ? value : value.slice(0, slash);
  const parts = spec.split(":");
  if (parts.length > 3) throw new PortSpecError(`invalid port format: ${value}`);
  const containerText = parts.at(-1)!;
  const hostText = parts.length >= 2 ? parts.at(-2)! : "";
  const ipText = parts.length === 3 ? parts[0]!.replace(/^\[|\]$/g, "") : "";
  if (ipText !== "" && !isIpv4(ipText)) throw new PortSpecError(`invalid IP address: ${ipText}`);
  const container = portRange(containerText);
  if (container === undefined || container[0] === 0) {
    throw new PortSpecError(`invalid containerPort: ${containerText}`);
  }
  const host = hostText === "" ? undefined : portRange(hostText);
  if (hostText !== "" && host === undefined) {
    throw new PortSpecError(`invalid hostPort: ${hostText}`);
  }
  const count = container[1] - container[0] + 1;
  if (host !== undefined && host[1] - host[0] + 1 !== count) {
    throw new PortSpecError(
      `invalid ranges specified for container and host Ports: ${containerText} and ${hostText}`,
    );
  }
  return Array.from({ length: count }, (_, index) => ({
    hostIp: ipText === "" ? "0.0.0.0" : ipText,
    hostPort: host === undefined ? 0 : host[0] + index,
    containerPort: container[0] + index,
    protocol,
  }));
}

/** The bindings `-P` adds for an image's ExposedPorts keys (`80/tcp`, `53/udp`, `8080`). */
export function exposedBindings(exposed: readonly string[]): PortBinding[] {
  return exposed.flatMap((key) => {
    try {
      return parsePublish(key.replace(/^(\d+(?:-\d+)?)(\/.*)?$/, "$1$2"));
    } catch {
      return []; // Not something a port can be published for (sctp): left out, as Docker.
    }
  });
}

/** `80/tcp`: the container side of a binding, as Docker's port keys name it. */
export function portKey(binding: PortBinding): string {
  return `${binding.containerPort}/${binding.protocol}`;
}

/** `docker port`'s lines: `80/tcp -> 0.0.0.0:8080`, sorted by container port. */
export function portLines(bindings: readonly PortBinding[]): string[] {
  return [...bindings]
    .sort((a, b) => a.containerPort - b.containerPort || a.protocol.localeCompare(b.protocol))
    .map((binding) => `${portKey(binding)} -> ${binding.hostIp}:${binding.hostPort}`);
}

/** `ps`'s PORTS cell: `0.0.0.0:8080->80/tcp, 0.0.0.0:5353->53/udp`, by container port. */
export function portsCell(bindings: readonly PortBinding[]): string {
  return [...bindings]
    .sort((a, b) => a.containerPort - b.containerPort || a.protocol.localeCompare(b.protocol))
    .map((binding) => `${binding.hostIp}:${binding.hostPort}->${portKey(binding)}`)
    .join(", ");
}
