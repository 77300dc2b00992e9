/**
 * `mydocker run`: turns the parsed command line into a container config and runs it.
 *
 * @module
 */

import { DEFAULT_CAPABILITIES } from "../runtime/capabilities.ts";
import type { NetworkMode } from "../runtime/container_spec.ts";
import { composeEnvironment } from "../runtime/environment.ts";
import { ExitCodeError } from "../runtime/errors.ts";
import { newContainerId, runContainer } from "../runtime/run_container.ts";
import { userEnvironment } from "./env_options.ts";

/** The options of `mydocker run` as the parser hands them over. */
export interface RunOptions {
  rootfs?: string;
  env?: string[];
  envFile?: string[];
  workdir?: string;
  hostname?: string;
  network: string;
  rm?: boolean;
}

/** One `mydocker run` invocation. */
export interface RunInvocation {
  /** The IMAGE argument. */
  image: string;
  /** COMMAND and ARGs. */
  command: string[];
  /** The parsed options. */
  options: RunOptions;
  /** The state root. */
  root: string;
}

const NETWORK_MODES: readonly NetworkMode[] = ["none", "host"];

function networkMode(value: string): NetworkMode {
  const mode = NETWORK_MODES.find((candidate) => candidate === value);
  if (mode === undefined) {
    throw new ExitCodeError(
      `Cannot use network "${value}": mydocker supports "none" (loopback only, the default) and "host"`,
    );
  }
  return mode;
}

function rootfsDirectory(path: string): string {
  try {
    const real = Deno.realPathSync(path);
    if (Deno.statSync(real).isDirectory) return real;
  } catch {
    // Reported below.
  }
  throw new ExitCodeError(`Cannot use --rootfs "${path}": not a directory`);
}

function workingDirectory(path: string | undefined): string {
  if (path === undefined || path === "") return "/";
  if (!path.startsWith("/")) {
    throw new ExitCodeError(`Cannot use working directory "${path}": it must be an absolute path`);
  }
  return path;
}

/** The home directory of root in the first layer (topmost first) that has /etc/passwd. */
function rootHome(lowerDirs: readonly string[]): string {
  for (const dir of lowerDirs) {
    let passwd: string;
    try {
      passwd = Deno.readTextFileSync(`${dir}/etc/passwd`);
    } catch {
      continue;
    }
    const entry = passwd.split("\n").map((line) => line.split(":")).find((f) => f[2] === "0");
    return entry?.[5] || "/";
  }
  return "/";
}

/** Runs the container and returns mydocker's exit code. */
export async function runCommand(invocation: RunInvocation): Promise<number> {
  const { options } = invocation;
  const lowerDirs = options.rootfs === undefined ? [] : [rootfsDirectory(options.rootfs)];
  if (invocation.command.length === 0) {
    throw new ExitCodeError(`Cannot run "${invocation.image}": no command specified`);
  }
  const id = newContainerId();
  const hostname = options.hostname ?? id.slice(0, 12);
  const userEnv = userEnvironment(
    options.envFile ?? [],
    options.env ?? [],
    (key) => Deno.env.get(key),
  );
  return await runContainer({
    id,
    hostname,
    stateRoot: invocation.root,
    lowerDirs,
    args: invocation.command,
    env: composeEnvironment({ hostname, imageEnv: [], userEnv, home: rootHome(lowerDirs) }),
    cwd: workingDirectory(options.workdir),
    network: networkMode(options.network),
    capabilities: [...DEFAULT_CAPABILITIES],
    privileged: false,
  });
}
