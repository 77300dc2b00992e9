/**
 * `mydocker run`: turns the parsed command line into a container config and runs it.
 *
 * @module
 */

import type { ContainerConfig as ImageRuntimeConfig } from "../registry/manifest.ts";
import { parseReference } from "../registry/reference.ts";
import { ImageStore } from "../registry/store.ts";
import { DEFAULT_CAPABILITIES } from "../runtime/capabilities.ts";
import type { NetworkMode } from "../runtime/container_spec.ts";
import { composeEnvironment } from "../runtime/environment.ts";
import { ExitCodeError } from "../runtime/errors.ts";
import { processArgs } from "../runtime/image_process.ts";
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
  entrypoint?: string;
  pull: string;
  platform?: string;
  quiet?: boolean;
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

function workingDirectory(path: string | undefined, imageDir: string | undefined): string {
  if (path === undefined || path === "") return imageDir || "/";
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

const PULL_POLICIES = ["missing", "always", "never"] as const;

/** The image's layers (topmost first) and runtime config, pulled first when the policy says. */
async function imageRoot(
  invocation: RunInvocation,
): Promise<{ lowerDirs: string[]; config: ImageRuntimeConfig }> {
  const { options, image } = invocation;
  const policy = PULL_POLICIES.find((candidate) => candidate === options.pull);
  if (policy === undefined) {
    throw new ExitCodeError(
      `Cannot use --pull "${options.pull}": choose "missing", "always" or "never"`,
    );
  }
  const ref = parseReference(image);
  const store = new ImageStore(invocation.root);
  let stored = policy === "always" ? undefined : await store.getImage(ref);
  if (stored === undefined) {
    if (policy === "never") {
      throw new ExitCodeError(`Cannot run "${image}": no such image in the store (--pull never)`);
    }
    const { pullReference } = await import("./registry_session.ts");
    await pullReference(ref, store, {
      platform: options.platform,
      quiet: options.quiet === true || !Deno.stderr.isTerminal(),
    });
    stored = await store.getImage(ref);
    if (stored === undefined) throw new ExitCodeError(`Cannot run "${image}": pull stored nothing`);
  }
  return { lowerDirs: stored.layers, config: stored.config.config ?? {} };
}

/** Runs the container and returns mydocker's exit code. */
export async function runCommand(invocation: RunInvocation): Promise<number> {
  const { options } = invocation;
  const { lowerDirs, config } = options.rootfs === undefined
    ? await imageRoot(invocation)
    : { lowerDirs: [rootfsDirectory(options.rootfs)], config: {} as ImageRuntimeConfig };
  const args = processArgs({
    imageEntrypoint: config.Entrypoint,
    imageCmd: config.Cmd,
    entrypoint: options.entrypoint,
    command: invocation.command,
  });
  if (args.length === 0) {
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
    args,
    env: composeEnvironment({
      hostname,
      imageEnv: config.Env ?? [],
      userEnv,
      home: rootHome(lowerDirs),
    }),
    cwd: workingDirectory(options.workdir, config.WorkingDir),
    network: networkMode(options.network),
    capabilities: [...DEFAULT_CAPABILITIES],
    privileged: false,
  });
}
