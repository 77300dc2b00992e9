/**
 * `inspect`: containers and images as the objects Docker's API returns for them, with Docker's
 * field names for what mydocker has. Go maps are `Map`s and nil slices {@linkcode GoNil}s, so a
 * `--format` template prints them as Go does and JSON shows them as Docker's.
 *
 * @module
 */

import { GoNil } from "./go_nil.ts";
import { familiarRepository, parseReference } from "../registry/format/reference.ts";
import { ImageStore, type ImageSummary } from "../registry/store.ts";
import { DEFAULT_CAPABILITIES } from "../runtime/spec/capabilities.ts";
import type { ContainerMount } from "../runtime/spec/container_spec.ts";
import type { VolumeMount } from "../runtime/spec/container_config.ts";
import type { ImageConfig } from "../registry/format/manifest.ts";
import { findContainer, type StoredContainer } from "../runtime/state/containers.ts";
import { containerNetwork } from "./networks.ts";
import { macAddressText } from "../runtime/network/attach_bridge.ts";
import { type PortBinding, portKey } from "../runtime/spec/port_bindings.ts";
import { ExitCodeError } from "../sys/exit_codes.ts";

/** Go's zero time, which Docker prints for a time that never happened. */
const ZERO_TIME = "0001-01-01T00:00:00Z";

/** What `--type` narrows a lookup to; undefined looks for a container, then an image. */
export type InspectType = "container" | "image" | undefined;

const slice = <T>(items: readonly T[] | null | undefined): T[] | GoNil =>
  items === undefined || items === null || items.length === 0 ? new GoNil("slice") : [...items];

const map = (entries: Record<string, string> | null | undefined): Map<string, string> | GoNil =>
  entries === undefined || entries === null ? new GoNil("map") : new Map(Object.entries(entries));

/** Reads the config of image `imageId` from the store, or undefined when it is gone. */
async function imageConfig(root: string, imageId: string | undefined): Promise<ImageConfig> {
  if (imageId === undefined) return {};
  try {
    const bytes = await new ImageStore(root).readBlob(imageId);
    return (JSON.parse(new TextDecoder().decode(bytes)).config ?? {}) as ImageConfig;
  } catch {
    return {};
  }
}

function dockerStatus(status: string): string {
  return status === "unknown" ? "dead" : status;
}

function bindString(source: string, mount: Extract<ContainerMount, { type: "bind" }>): string {
  return `${source}:${mount.target}${mount.readonly ? ":ro" : ""}`;
}

/** A mount as Docker's `Mounts` shows it: a bind, a volume (local driver) or a tmpfs. */
function mountObject(mount: ContainerMount, volume: VolumeMount | undefined) {
  if (mount.type === "tmpfs") {
    return {
      Type: "tmpfs",
      Source: "",
      Destination: mount.target,
      Mode: "",
      RW: true,
      Propagation: "",
    };
  }
  const rw = { RW: !mount.readonly };
  if (volume === undefined) {
    return {
      Type: "bind",
      Source: mount.source,
      Destination: mount.target,
      Mode: mount.readonly ? "ro" : "",
      ...rw,
      Propagation: "rprivate",
    };
  }
  return {
    Type: "volume",
    Name: volume.name,
    Source: mount.source,
    Destination: mount.target,
    Driver: "local",
    Mode: "z",
    ...rw,
    Propagation: "",
  };
}

/** The container as Docker's `GET /containers/{id}/json` shows it. */
async function containerObject(root: string, container: StoredContainer) {
  const { record, state, dir } = container;
  const { config } = record;
  const image = await imageConfig(root, record.imageId);
  const entrypoint = image.Entrypoint ?? [];
  const startsWithEntrypoint = entrypoint.length > 0 &&
    entrypoint.every((arg, i) => config.args[i] === arg);
  const cmd = startsWithEntrypoint ? config.args.slice(entrypoint.length) : config.args;
  const status = String(state.status);
  const running = status === "running";
  const volumes = new Map((config.volumes ?? []).map((volume) => [volume.target, volume]));
  const binds = config.mounts.flatMap((m) => {
    const volume = volumes.get(m.target);
    if (m.type !== "bind" || volume?.anonymous) return [];
    return [bindString(volume?.name ?? m.source, m)];
  });
  const anonymous = [...volumes.values()].filter((volume) => volume.anonymous);
  const configVolumes = [...Object.keys(image.Volumes ?? {}), ...anonymous.map((v) => v.target)];
  const tmpfs = config.mounts.flatMap((m) => m.type === "tmpfs" ? [[m.target, m.data]] : []);
  const securityOpt = [
    ...(config.seccomp || config.privileged ? [] : ["seccomp=unconfined"]),
    ...(config.noNewPrivileges ? ["no-new-privileges"] : []),
  ];
  const kept = new Set(config.capabilities);
  const defaults = new Set(DEFAULT_CAPABILITIES);
  const { limits } = config;
  return {
    Id: record.id,
    Created: record.created,
    Path: config.args[0] ?? "",
    Args: config.args.slice(1),
    State: {
      Status: dockerStatus(status),
      Running: running,
      Paused: false,
      Restarting: status === "restarting",
      OOMKilled: false,
      Dead: status === "unknown",
      Pid: running ? state.pid ?? 0 : 0,
      ExitCode: state.exitCode ?? 0,
      Error: "",
      StartedAt: state.startedAt ?? ZERO_TIME,
      FinishedAt: state.finishedAt ?? ZERO_TIME,
    },
    Image: record.imageId ?? "",
    LogPath: dir.jsonLog,
    Name: `/${record.name}`,
    RestartCount: state.restartCount ?? 0,
    Driver: "overlayfs",
    Platform: "linux",
    HostConfig: {
      Binds: slice(binds),
      NetworkMode: config.network,
      PortBindings: portBindings(config.ports ?? []),
      Dns: [...config.dns?.servers ?? []],
      DnsOptions: [...config.dns?.options ?? []],
      DnsSearch: [...config.dns?.search ?? []],
      ExtraHosts: slice(config.dns?.extraHosts),
      RestartPolicy: {
        Name: record.restartPolicy?.name ?? "no",
        MaximumRetryCount: record.restartPolicy?.maximumRetryCount ?? 0,
      },
      AutoRemove: record.remove,
      CapAdd: config.privileged
        ? new GoNil("slice")
        : slice(config.capabilities.filter((cap) => !defaults.has(cap))),
      CapDrop: config.privileged
        ? new GoNil("slice")
        : slice(DEFAULT_CAPABILITIES.filter((cap) => !kept.has(cap))),
      Privileged: config.privileged,
      ReadonlyRootfs: config.readonlyRootfs,
      SecurityOpt: slice(securityOpt),
      Tmpfs: tmpfs.length === 0 ? new GoNil("map") : new Map(tmpfs as [string, string][]),
      Memory: limits.memoryBytes ?? 0,
      MemorySwap: limits.memorySwapBytes ?? 0,
      NanoCpus: limits.cpus === undefined ? 0 : Math.round(limits.cpus * 1e9),
      CpuShares: limits.cpuShares ?? 0,
      PidsLimit: limits.pidsLimit ?? null,
      Init: config.init ? true : null,
    },
    GraphDriver: {
      Name: "overlayfs",
      Data: new Map([
        ["LowerDir", config.lowerDirs.join(":")],
        ["UpperDir", dir.upperDir],
        ["WorkDir", dir.workDir],
        ["MergedDir", dir.mountPoint],
      ]),
    },
    Mounts: config.mounts.map((mount) => mountObject(mount, volumes.get(mount.target))),
    Config: {
      Hostname: config.hostname,
      Domainname: "",
      User: config.user,
      AttachStdin: config.interactive && !record.detached,
      AttachStdout: !record.detached,
      AttachStderr: !record.detached,
      Tty: config.tty,
      OpenStdin: config.interactive,
      StdinOnce: config.interactive && !record.detached,
      Env: slice(config.env),
      Cmd: slice(cmd),
      Image: record.image,
      Volumes: configVolumes.length === 0
        ? new GoNil("map")
        : new Map(configVolumes.map((target) => [target, {}])),
      WorkingDir: config.cwd,
      Entrypoint: startsWithEntrypoint ? [...entrypoint] : new GoNil("slice"),
      OnBuild: new GoNil("slice"),
      Labels: map(image.Labels ?? {}),
      StopSignal: record.stopSignal,
      ...(record.stopTimeout === undefined ? {} : { StopTimeout: record.stopTimeout }),
    },
    NetworkSettings: networkSettings(root, record.id, config.network),
  };
}

/**
 * HostConfig.PortBindings as Docker shows them: what `-p` and `-P` asked for, by container port
 * (`HostPort` empty where a free port was to be chosen).
 */
function portBindings(ports: readonly PortBinding[]) {
  const bindings = new Map<string, { HostIp: string; HostPort: string }[]>();
  for (const port of ports) {
    const key = portKey(port);
    bindings.set(key, [...bindings.get(key) ?? [], {
      HostIp: port.hostIp === "0.0.0.0" ? "" : port.hostIp,
      HostPort: port.hostPort === 0 ? "" : String(port.hostPort),
    }]);
  }
  return bindings;
}

/**
 * A container's NetworkSettings as Docker shows them: its address, gateway and published ports
 * while it holds an address on a bridge network, else empty ones.
 */
function networkSettings(root: string, id: string, mode: string) {
  const attached = containerNetwork(root, id);
  const lease = attached?.lease;
  const ports = new Map<string, { HostIp: string; HostPort: string }[]>();
  for (const port of lease?.ports ?? []) {
    const key = portKey(port);
    ports.set(key, [...ports.get(key) ?? [], {
      HostIp: port.hostIp,
      HostPort: String(port.hostPort),
    }]);
  }
  const address = lease?.address ?? "";
  const gateway = attached?.network.gateway ?? "";
  const prefix = attached?.prefix ?? 0;
  const mac = address === "" ? "" : macAddressText(address);
  const name = mode.startsWith("container:") ? undefined : mode;
  return {
    SandboxKey: "",
    Ports: ports,
    IPAddress: address,
    IPPrefixLen: prefix,
    Gateway: gateway,
    MacAddress: mac,
    Networks: new Map(
      name === undefined ? [] : [[name, {
        NetworkID: attached?.network.id ?? "",
        EndpointID: "",
        Gateway: gateway,
        IPAddress: address,
        IPPrefixLen: prefix,
        MacAddress: mac,
      }]],
    ),
  };
}

/** The image summaries whose name or id `reference` names, or none. */
export async function findImage(store: ImageStore, reference: string): Promise<ImageSummary[]> {
  const images = await store.listImages().catch((error) => {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  });
  let ref: ReturnType<typeof parseReference> | undefined;
  try {
    ref = parseReference(reference);
  } catch {
    ref = undefined;
  }
  const byName = ref === undefined
    ? undefined
    : images.find((image) =>
      image.registry === ref.registry && image.repository === ref.repository &&
      (ref.digest === undefined ? image.tag === ref.tag : image.digest === ref.digest)
    );
  const hex = reference.replace(/^sha256:/, "");
  const id = byName?.id ??
    (/^[0-9a-f]{1,64}$/.test(hex)
      ? [...new Set(images.map((i) => i.id))].find((i) => i.startsWith(`sha256:${hex}`))
      : undefined);
  return id === undefined ? [] : images.filter((image) => image.id === id);
}

/** The image as Docker's `GET /images/{name}/json` shows it. */
async function imageObject(store: ImageStore, names: ImageSummary[]) {
  const first = names[0]!;
  const stored = await store.getImage({
    registry: first.registry,
    repository: first.repository,
    tag: first.tag,
    digest: first.tag === undefined ? first.digest : undefined,
  });
  const file = stored!.config;
  const config = file.config ?? {};
  const tags = names.filter((n) => n.tag !== undefined).map((n) =>
    `${familiarRepository(n)}:${n.tag}`
  );
  const digests = [...new Set(names.map((n) => `${familiarRepository(n)}@${n.digest}`))];
  return {
    Id: first.id,
    RepoTags: tags,
    RepoDigests: digests,
    Parent: "",
    Comment: "",
    Created: file.created ?? ZERO_TIME,
    Author: "",
    Config: {
      User: config.User ?? "",
      Env: slice(config.Env),
      Cmd: slice(config.Cmd),
      Entrypoint: slice(config.Entrypoint),
      WorkingDir: config.WorkingDir ?? "",
      Labels: map(config.Labels),
      Volumes: config.Volumes ? new Map(Object.entries(config.Volumes)) : new GoNil("map"),
      ExposedPorts: config.ExposedPorts
        ? new Map(Object.entries(config.ExposedPorts))
        : new GoNil("map"),
      StopSignal: config.StopSignal ?? "",
    },
    Architecture: file.architecture,
    ...(file.variant === undefined ? {} : { Variant: file.variant }),
    Os: file.os,
    Size: first.size,
    GraphDriver: {
      Name: "overlayfs",
      Data: new Map([["LowerDir", stored!.layers.join(":")]]),
    },
    RootFS: { Type: "layers", Layers: [...file.rootfs.diff_ids] },
    Metadata: { LastTagTime: ZERO_TIME },
  };
}

/** A container's or an image's inspect object. */
export type InspectObject =
  | Awaited<ReturnType<typeof containerObject>>
  | Awaited<ReturnType<typeof imageObject>>;

/**
 * Finds what `reference` names under `root` (a container by name or id, else an image by name
 * or id, narrowed by `type`) and returns it as Docker's API shows it.
 *
 * @throws {ExitCodeError} (125): `No such container: x`, `No such image: x`, `No such object: x`.
 */
export async function inspectObject(
  root: string,
  reference: string,
  type: InspectType,
): Promise<InspectObject> {
  if (type !== "image") {
    try {
      return await containerObject(root, findContainer(root, reference));
    } catch (error) {
      if (type === "container" || !(error instanceof ExitCodeError)) throw error;
      if (!error.message.startsWith("No such container")) throw error;
    }
  }
  const store = new ImageStore(root);
  const names = await findImage(store, reference);
  if (names.length > 0) return await imageObject(store, names);
  throw new ExitCodeError(`No such ${type ?? "object"}: ${reference}`);
}
