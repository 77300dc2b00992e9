/**
 * Platforms (`linux/arm64/v8`): parsing `--platform`, the host's own platform, and choosing the
 * manifest for a platform from a multi-platform index (attestation entries skipped; a missing
 * variant means the one the architecture implies, arm64 → v8). Pure apart from reading the host's
 * architecture.
 *
 * @module
 */

import type { Descriptor, ImageIndex, Platform } from "./manifest.ts";

export type { Platform } from "./manifest.ts";

/** Thrown when no index entry matches the wanted platform, or a platform string is malformed. */
export class PlatformError extends Error {
  override name = "PlatformError";
}

const ARCH_NAMES: Record<string, string> = {
  x86_64: "amd64",
  aarch64: "arm64",
  arm: "arm",
  riscv64: "riscv64",
  s390x: "s390x",
  powerpc64le: "ppc64le",
};

/** Returns the platform of this machine (`linux/amd64`, `linux/arm64/v8`). */
export function hostPlatform(): Platform {
  const architecture = ARCH_NAMES[Deno.build.arch] ?? Deno.build.arch;
  return architecture === "arm64" ? { os: "linux", architecture, variant: "v8" } : {
    os: "linux",
    architecture,
  };
}

/**
 * Parses `os/arch[/variant]`, e.g. `linux/arm64/v8`.
 * @throws {PlatformError} when the string does not have two or three non-empty parts.
 */
export function parsePlatform(text: string): Platform {
  const parts = text.toLowerCase().split("/");
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => p === "")) {
    throw new PlatformError(
      `Cannot parse platform "${text}": expected os/architecture[/variant]`,
    );
  }
  const [os, architecture, variant] = parts as [string, string, string | undefined];
  return variant === undefined ? { os, architecture } : { os, architecture, variant };
}

/** Formats a platform as `os/arch[/variant]`. */
export function formatPlatform(platform: Platform): string {
  return [platform.os, platform.architecture, platform.variant].filter((p) => p !== undefined)
    .join("/");
}

/** The variant an architecture implies when none is given (arm64 → v8, arm → v7). */
function effectiveVariant(p: Platform): string | undefined {
  if (p.variant !== undefined) return p.variant;
  if (p.architecture === "arm64") return "v8";
  if (p.architecture === "arm") return "v7";
  return undefined;
}

/** Returns whether an index entry's platform satisfies the wanted one. */
export function platformMatches(entry: Platform, wanted: Platform): boolean {
  if (entry.os !== wanted.os || entry.architecture !== wanted.architecture) return false;
  const wantedVariant = effectiveVariant(wanted);
  return wantedVariant === undefined || effectiveVariant(entry) === wantedVariant;
}

/**
 * Picks the manifest for `wanted` from an index, skipping `unknown/unknown` attestation entries.
 * @throws {PlatformError} `no matching manifest for linux/arm64 in the manifest list entries`.
 */
export function selectManifest(index: ImageIndex, wanted: Platform): Descriptor {
  for (const entry of index.manifests) {
    const platform = entry.platform;
    if (platform === undefined || platform.os === "unknown") continue;
    if (entry.annotations?.["vnd.docker.reference.type"] === "attestation-manifest") continue;
    if (platformMatches(platform, wanted)) return entry;
  }
  throw new PlatformError(
    `no matching manifest for ${formatPlatform(wanted)} in the manifest list entries`,
  );
}
