/**
 * The mount options of `mydocker run`: `-v [HOST|NAME:]CONTAINER[:ro]`, `--mount type=…,…` and
 * `--tmpfs PATH[:OPTIONS]`, parsed into container mounts and volume requests.
 *
 * @module
 */

import { cleanPath } from "../sys/path.ts";
import type { RequestedMount } from "../engine/volumes.ts";
import type { ContainerMount } from "../runtime/spec/container_spec.ts";
import { tmpfsOptions } from "../runtime/spec/tmpfs_options.ts";
import { ExitCodeError } from "../sys/exit_codes.ts";

/** The option and value a mount came from, and its type as Docker's messages name it. */
interface MountOrigin {
  option: "-v" | "--mount" | "--tmpfs";
  value: string;
  type: "bind" | "volume" | "tmpfs";
}

/**
 * Checks a mount's path as Docker does (absolute; a destination not `/`) and returns it
 * cleaned; throws an ExitCodeError (125) with Docker's reason:
 * `Cannot use -v "/x:/": invalid mount config for type "bind": invalid specification: destination can't be '/'`.
 */
function mountPath(path: string, origin: MountOrigin, destination: boolean): string {
  const clean = cleanPath(path);
  const reason = !path.startsWith("/")
    ? `invalid mount path: '${path}' mount path must be absolute`
    : destination && clean === "/"
    ? "invalid specification: destination can't be '/'"
    : undefined;
  if (reason === undefined) return clean;
  throw new ExitCodeError(
    `Cannot use ${origin.option} "${origin.value}": invalid mount config for type "${origin.type}": ${reason}`,
  );
}

/**
 * Parses `-v HOST:CONTAINER[:ro|rw]` (a bind), `-v NAME:CONTAINER[:ro|rw]` (a named volume) or
 * `-v CONTAINER[:ro|rw]` (an anonymous volume).
 */
export function parseVolume(value: string): RequestedMount {
  const parts = value.split(":");
  const anonymous = parts.length === 1 || (parts.length === 2 && ["ro", "rw"].includes(parts[1]!));
  const [source, target = "", mode, ...rest] = anonymous ? [undefined, ...parts] : parts;
  if (target === "" || rest.length > 0 || (mode !== undefined && !["ro", "rw"].includes(mode))) {
    throw new ExitCodeError(`Cannot use -v "${value}": expected [HOST|NAME:]CONTAINER[:ro|rw]`);
  }
  const origin: MountOrigin = {
    option: "-v",
    value,
    type: source?.startsWith("/") ? "bind" : "volume",
  };
  const cleanTarget = mountPath(target, origin, true);
  const readonly = mode === "ro";
  if (origin.type === "volume") {
    return { type: "volume", name: source, target: cleanTarget, readonly };
  }
  return {
    type: "bind",
    source: mountPath(source!, origin, false),
    target: cleanTarget,
    readonly,
  };
}

function tmpfsMount(target: string, options: string[]): ContainerMount {
  return { type: "tmpfs", target, ...tmpfsOptions(options) };
}

/** Parses `--tmpfs PATH[:OPTIONS]` (options: ro, noexec, exec, size=…, mode=…, …). */
export function parseTmpfs(value: string): ContainerMount {
  const colon = value.indexOf(":");
  const path = colon < 0 ? value : value.slice(0, colon);
  const options = colon < 0 ? [] : value.slice(colon + 1).split(",");
  return tmpfsMount(mountPath(path, { option: "--tmpfs", value, type: "tmpfs" }, true), options);
}

/**
 * Parses `--mount type=bind|volume|tmpfs,source=…,target=…[,readonly][,tmpfs-size=…][,tmpfs-mode=…]`
 * (a volume without a source is a new anonymous one).
 */
export function parseMount(value: string): RequestedMount {
  const fields = new Map<string, string>();
  for (const part of value.split(",")) {
    const equals = part.indexOf("=");
    const key = equals < 0 ? part : part.slice(0, equals);
    fields.set(key, equals < 0 ? "true" : part.slice(equals + 1));
  }
  const get = (...keys: string[]) =>
    keys.map((key) => fields.get(key)).find((v) => v !== undefined);
  const target = get("target", "destination", "dst");
  if (target === undefined) {
    throw new ExitCodeError(`Cannot use --mount "${value}": target is missing`);
  }
  const readonly = ["true", "1"].includes(get("readonly", "ro") ?? "false");
  switch (get("type") ?? "volume") {
    case "bind": {
      const source = get("source", "src");
      if (source === undefined) {
        throw new ExitCodeError(`Cannot use --mount "${value}": source is missing`);
      }
      const origin: MountOrigin = { option: "--mount", value, type: "bind" };
      return {
        type: "bind",
        source: mountPath(source, origin, false),
        target: mountPath(target, origin, true),
        readonly,
      };
    }
    case "volume": {
      const origin: MountOrigin = { option: "--mount", value, type: "volume" };
      const name = get("source", "src");
      return { type: "volume", name, target: mountPath(target, origin, true), readonly };
    }
    case "tmpfs": {
      const size = get("tmpfs-size");
      const mode = get("tmpfs-mode");
      const origin: MountOrigin = { option: "--mount", value, type: "tmpfs" };
      return tmpfsMount(mountPath(target, origin, true), [
        ...(readonly ? ["ro"] : []),
        ...(size === undefined ? [] : [`size=${size}`]),
        ...(mode === undefined ? [] : [`mode=${mode}`]),
      ]);
    }
    default:
      throw new ExitCodeError(
        `Cannot use --mount "${value}": only type=bind, type=volume and type=tmpfs are supported`,
      );
  }
}
