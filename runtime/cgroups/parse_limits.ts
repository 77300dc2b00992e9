/**
 * Turns the resource flags of `mydocker run` into {@linkcode ResourceLimits}, with Docker's
 * rules: sizes as go-units reads them (`512m`, `1.5g`, `64MiB`, plain bytes), a 6 MiB minimum
 * memory limit, `--memory-swap` at least `--memory` (or -1), twice `--memory` by default.
 *
 * @module
 */

import { ExitCodeError } from "../../sys/exit_codes.ts";
import type { ResourceLimits } from "../spec/resource_limits.ts";

/** The resource flags as typed: `--memory 512m`, `--cpus 1.5`, … */
export interface ResourceFlags {
  /** `--memory`: a size. */
  memory?: string;
  /** `--memory-swap`: a size of memory plus swap, or -1. */
  memorySwap?: string;
  /** `--cpus`: a decimal number of CPUs. */
  cpus?: string;
  /** `--cpu-shares`: an integer weight. */
  cpuShares?: string;
  /** `--pids-limit`: an integer; -1 or 0 for unlimited. */
  pidsLimit?: string;
}

/** Docker's smallest memory limit (6 MiB). */
export const MIN_MEMORY_BYTES = 6 * 1024 * 1024;

const MIN_CPU_SHARES = 2;
const MAX_CPU_SHARES = 262_144;
const MIN_CPUS = 0.01;

const SIZE = /^(\d+(?:\.\d*)?|\.\d+) ?(?:([kmgtp])(?:i?b)?|b)?$/i;
const UNITS: Record<string, number> = {
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
  p: 1024 ** 5,
};

/**
 * Parses a size as Docker does (go-units `RAMInBytes`): a decimal number, an optional space, an
 * optional binary unit `k`, `m`, `g`, `t` or `p` (any case, optionally followed by `b` or `ib`)
 * or `b`; fractions of a byte are dropped. Returns undefined when `text` is not a size.
 */
export function parseSize(text: string): number | undefined {
  const match = SIZE.exec(text);
  if (match === null) return undefined;
  const unit = match[2]?.toLowerCase();
  const bytes = Math.trunc(Number(match[1]) * (unit === undefined ? 1 : UNITS[unit]!));
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

function fail(flag: string, value: string, reason: string): never {
  throw new ExitCodeError(`Cannot use ${flag} "${value}": ${reason}`);
}

function parseInteger(flag: string, value: string): number {
  const number = Number(value);
  if (!/^-?\d+$/.test(value) || !Number.isSafeInteger(number)) {
    fail(flag, value, "invalid integer");
  }
  return number;
}

function parseMemory(
  flags: ResourceFlags,
): Pick<ResourceLimits, "memoryBytes" | "memorySwapBytes"> {
  let memoryBytes: number | undefined;
  if (flags.memory !== undefined) {
    memoryBytes = parseSize(flags.memory) ?? fail("--memory", flags.memory, "invalid size");
    if (memoryBytes === 0) memoryBytes = undefined;
    else if (memoryBytes < MIN_MEMORY_BYTES) {
      fail("--memory", flags.memory, "minimum memory limit allowed is 6MB");
    }
  }
  let memorySwapBytes: number | undefined;
  const swap = flags.memorySwap;
  if (swap !== undefined) {
    memorySwapBytes = swap === "-1"
      ? -1
      : parseSize(swap) ?? fail("--memory-swap", swap, "invalid size");
    if (memorySwapBytes === 0) memorySwapBytes = undefined;
    else if (memoryBytes === undefined) {
      if (memorySwapBytes > 0) {
        fail("--memory-swap", swap, "the memory limit must be set too (--memory)");
      }
      memorySwapBytes = undefined;
    } else if (memorySwapBytes !== -1 && memorySwapBytes < memoryBytes) {
      fail("--memory-swap", swap, `must be at least --memory "${flags.memory}"`);
    }
  }
  if (memoryBytes === undefined) return {};
  return { memoryBytes, memorySwapBytes: memorySwapBytes ?? 2 * memoryBytes };
}

function parseCpus(value: string): number | undefined {
  if (!/^-?(\d+(\.\d*)?|\.\d+)$/.test(value)) fail("--cpus", value, "invalid number");
  if ((value.split(".")[1] ?? "").length > 9) fail("--cpus", value, "value is too precise");
  const cpus = Number(value);
  if (cpus === 0) return undefined;
  const available = navigator.hardwareConcurrency;
  if (cpus < MIN_CPUS || cpus > available) {
    fail(
      "--cpus",
      value,
      `range of CPUs is from ${MIN_CPUS.toFixed(2)} to ${available.toFixed(2)}, ` +
        `as there are only ${available} CPUs available`,
    );
  }
  return cpus;
}

function parseCpuShares(value: string): number | undefined {
  const shares = parseInteger("--cpu-shares", value);
  if (shares < 0) fail("--cpu-shares", value, "value must be a positive integer");
  if (shares === 0) return undefined;
  return Math.max(MIN_CPU_SHARES, Math.min(shares, MAX_CPU_SHARES));
}

/**
 * Parses the flags. Unset flags, and values meaning "no limit" (`--memory 0`, `--cpus 0`,
 * `--cpu-shares 0`, `--memory-swap 0`), leave their limits undefined; `--memory-swap -1`
 * means unlimited swap and `--pids-limit -1` (or 0) no process limit; `--memory` without
 * `--memory-swap` limits memory plus swap to twice `--memory`, as Docker does. `--cpu-shares`
 * of 1 becomes 2 and larger than 262144 becomes 262144, as Docker does; a negative one, or
 * `--cpus` outside 0.01…the host's CPUs, is refused.
 *
 * @throws {ExitCodeError} (125) naming a malformed or out-of-range value:
 * `Cannot use --memory "12q": invalid size`.
 */
export function parseResourceLimits(flags: ResourceFlags): ResourceLimits {
  const limits: ResourceLimits = parseMemory(flags);
  const cpus = flags.cpus === undefined ? undefined : parseCpus(flags.cpus);
  if (cpus !== undefined) limits.cpus = cpus;
  const cpuShares = flags.cpuShares === undefined ? undefined : parseCpuShares(flags.cpuShares);
  if (cpuShares !== undefined) limits.cpuShares = cpuShares;
  if (flags.pidsLimit !== undefined) {
    limits.pidsLimit = parseInteger("--pids-limit", flags.pidsLimit);
  }
  return limits;
}
