/**
 * `mydocker runtime`: mydocker's OCI runtime face, with runc's command line, for containerd's
 * runc shim (`--runc-binary`, `BinaryName`) and dockerd (`--add-runtime`) to drive, through the
 * `mydocker-runc` launcher. Global options come first (`--root`, `--log`, `--log-format`,
 * `--systemd-cgroup`, `--debug`), then a command and its options. Errors exit 1 and are written
 * to stderr and to the log (as JSON with `--log-format json`, where the shim reads them).
 *
 * @module
 */

import {
  containerPids,
  containerState,
  DEFAULT_OCI_ROOT,
  defaultOciConfig,
  deleteContainer,
  killContainer,
  listContainers,
  ociFeatures,
  type OciGlobals,
  type OciProcess,
  OciRuntimeError,
  pauseContainer,
  signalOf,
  startContainer,
  updateContainer,
} from "../engine/oci_runtime.ts";

/** A command's options: which take a value, which are switches; aliases map to long names. */
interface CommandOptions {
  values: readonly string[];
  switches: readonly string[];
  aliases?: Readonly<Record<string, string>>;
}

const GLOBAL: CommandOptions = {
  values: ["root", "log", "log-format", "criu", "rootless"],
  switches: ["systemd-cgroup", "debug"],
};

const COMMAND_OPTIONS: Readonly<Record<string, CommandOptions>> = {
  create: {
    values: ["bundle", "pid-file", "console-socket", "preserve-fds"],
    switches: ["no-pivot", "no-new-keyring"],
    aliases: { b: "bundle" },
  },
  run: {
    values: ["bundle", "pid-file", "console-socket", "preserve-fds"],
    switches: ["no-pivot", "no-new-keyring", "detach"],
    aliases: { b: "bundle", d: "detach" },
  },
  start: { values: [], switches: [] },
  state: { values: [], switches: [] },
  kill: { values: [], switches: ["all"], aliases: { a: "all" } },
  delete: { values: [], switches: ["force"], aliases: { f: "force" } },
  exec: {
    values: ["process", "pid-file", "console-socket", "cwd", "user", "env", "preserve-fds"],
    switches: ["detach", "tty", "no-new-privs"],
    aliases: { p: "process", d: "detach", t: "tty", u: "user", e: "env" },
  },
  ps: { values: ["format"], switches: [], aliases: { f: "format" } },
  list: { values: ["format"], switches: ["quiet"], aliases: { f: "format", q: "quiet" } },
  features: { values: [], switches: [] },
  spec: { values: ["bundle"], switches: ["rootless"], aliases: { b: "bundle" } },
  pause: { values: [], switches: [] },
  resume: { values: [], switches: [] },
  update: { values: ["resources"], switches: [], aliases: { r: "resources" } },
};

/** Options read, and the arguments left. */
interface Parsed {
  values: Map<string, string[]>;
  switches: Set<string>;
  rest: string[];
}

/** Reads `args` as urfave/cli does (`-x`, `--x`, `--x=v`), stopping at the first argument. */
function parseOptions(args: readonly string[], options: CommandOptions, stopAtArg: boolean) {
  const parsed: Parsed = { values: new Map(), switches: new Set(), rest: [] };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--") {
      parsed.rest.push(...args.slice(i + 1));
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      if (stopAtArg) {
        parsed.rest.push(...args.slice(i));
        break;
      }
      parsed.rest.push(arg);
      continue;
    }
    const [rawName = "", inline] = arg.replace(/^--?/, "").split(/=(.*)/s, 2);
    const name = options.aliases?.[rawName] ?? rawName;
    if (options.values.includes(name)) {
      const value = inline ?? args[++i];
      if (value === undefined) throw new OciRuntimeError(`flag needs an argument: ${arg}`);
      parsed.values.set(name, [...parsed.values.get(name) ?? [], value]);
    } else if (options.switches.includes(name)) {
      if (inline === undefined || inline === "true") parsed.switches.add(name);
    } else {
      throw new OciRuntimeError(`flag provided but not defined: ${arg}`);
    }
  }
  return parsed;
}

function value(parsed: Parsed, name: string): string | undefined {
  return parsed.values.get(name)?.at(-1);
}

/** The one container id `rest` must hold. */
function idOf(rest: readonly string[], command: string): string {
  const id = rest[0];
  if (id === undefined || id === "") {
    throw new OciRuntimeError(`"${command}" requires a container id`);
  }
  return id;
}

/** Writes an error line to the log, as runc does (logrus text or JSON). */
function logError(path: string | undefined, format: string, message: string): void {
  if (path === undefined) return;
  const time = new Date().toISOString();
  const line = format === "json"
    ? JSON.stringify({ level: "error", msg: message, time })
    : `time="${time}" level=error msg=${JSON.stringify(message)}`;
  try {
    Deno.writeTextFileSync(path, `${line}\n`, { append: true });
  } catch {
    // The error still reaches stderr.
  }
}

async function runCommand(name: string, parsed: Parsed, globals: OciGlobals): Promise<number> {
  const { rest } = parsed;
  switch (name) {
    case "create":
    case "run": {
      const id = idOf(rest, name);
      const options = {
        id,
        bundle: value(parsed, "bundle") ?? ".",
        ...(value(parsed, "pid-file") === undefined ? {} : { pidFile: value(parsed, "pid-file")! }),
        ...(value(parsed, "console-socket") === undefined
          ? {}
          : { consoleSocket: value(parsed, "console-socket")! }),
      };
      if (parsed.switches.has("no-pivot")) {
        throw new OciRuntimeError("--no-pivot is not supported by mydocker's OCI runtime");
      }
      // Loaded only where a process is started: the shim's other calls stay light.
      const { createContainer } = await import("../engine/oci_create.ts");
      const created = await createContainer(globals, options);
      if (name === "create") return 0;
      try {
        await startContainer(globals, id);
      } catch (error) {
        await deleteContainer(globals, id, true);
        throw error;
      }
      if (parsed.switches.has("detach")) return 0;
      const status = await created.started.exited;
      await deleteContainer(globals, id, true);
      return status.code ?? 128 + (status.signal ?? 0);
    }
    case "start":
      await startContainer(globals, idOf(rest, name));
      return 0;
    case "state":
      console.log(JSON.stringify(containerState(globals, idOf(rest, name)), null, 2));
      return 0;
    case "kill": {
      const signal = signalOf(rest[1] ?? "SIGTERM");
      killContainer(globals, idOf(rest, name), signal, parsed.switches.has("all"));
      return 0;
    }
    case "delete":
      await deleteContainer(globals, idOf(rest, name), parsed.switches.has("force"));
      return 0;
    case "exec": {
      const id = idOf(rest, name);
      const processFile = value(parsed, "process");
      const process: OciProcess = processFile === undefined
        ? {
          args: rest.slice(1),
          cwd: value(parsed, "cwd") ?? "/",
          env: parsed.values.get("env") ?? [],
        }
        : JSON.parse(await Deno.readTextFile(processFile));
      if (parsed.switches.has("tty")) process.terminal = true;
      const { execInContainer } = await import("../engine/oci_create.ts");
      return await execInContainer(globals, {
        id,
        process,
        detach: parsed.switches.has("detach"),
        ...(value(parsed, "pid-file") === undefined ? {} : { pidFile: value(parsed, "pid-file")! }),
        ...(value(parsed, "console-socket") === undefined
          ? {}
          : { consoleSocket: value(parsed, "console-socket")! }),
      });
    }
    case "ps": {
      const pids = containerPids(globals, idOf(rest, name));
      if (value(parsed, "format") === "json") console.log(JSON.stringify(pids));
      else console.log(["PID", ...pids].join("\n"));
      return 0;
    }
    case "list": {
      const states = listContainers(globals);
      if (parsed.switches.has("quiet")) {
        for (const state of states) console.log(state.id);
      } else if (value(parsed, "format") === "json") {
        console.log(JSON.stringify(states));
      } else {
        console.log("ID\tPID\tSTATUS\tBUNDLE\tCREATED\tOWNER");
        for (const s of states) {
          console.log([s.id, s.pid, s.status, s.bundle, s.created, "root"].join("\t"));
        }
      }
      return 0;
    }
    case "features":
      console.log(JSON.stringify(ociFeatures(), null, 2));
      return 0;
    case "spec": {
      const path = `${value(parsed, "bundle") ?? "."}/config.json`;
      try {
        await Deno.writeTextFile(path, JSON.stringify(defaultOciConfig(), null, "\t"), {
          createNew: true,
        });
      } catch (error) {
        if (error instanceof Deno.errors.AlreadyExists) {
          throw new OciRuntimeError(`File ${path} exists. Remove it first`);
        }
        throw error;
      }
      return 0;
    }
    case "pause":
    case "resume":
      pauseContainer(globals, idOf(rest, name), name === "pause");
      return 0;
    case "update": {
      const file = value(parsed, "resources");
      const text = file === undefined || file === "-"
        ? await new Response(Deno.stdin.readable).text()
        : await Deno.readTextFile(file);
      updateContainer(globals, idOf(rest, name), JSON.parse(text));
      return 0;
    }
  }
  throw new OciRuntimeError(`No help topic for '${name}'`);
}

/** Runs `mydocker runtime ARGS…`; returns the exit code. */
export async function runtimeCommand(args: readonly string[]): Promise<number> {
  let logPath: string | undefined;
  let logFormat = "text";
  try {
    const global = parseOptions(args, GLOBAL, true);
    logPath = value(global, "log");
    logFormat = value(global, "log-format") ?? "text";
    if (global.switches.has("systemd-cgroup")) {
      throw new OciRuntimeError(
        "--systemd-cgroup is not supported: mydocker manages cgroups through cgroupfs " +
          "(set SystemdCgroup = false, or dockerd's native.cgroupdriver=cgroupfs)",
      );
    }
    const [name = "", ...commandArgs] = global.rest;
    const options = COMMAND_OPTIONS[name];
    if (options === undefined) {
      throw new OciRuntimeError(
        name === ""
          ? `usage: mydocker runtime [--root DIR] COMMAND (${
            Object.keys(COMMAND_OPTIONS).join(", ")
          })`
          : `unknown command "${name}"`,
      );
    }
    const parsed = parseOptions(commandArgs, options, name === "exec");
    const globals: OciGlobals = {
      root: value(global, "root") ?? DEFAULT_OCI_ROOT,
      warn(message) {
        console.error(`mydocker runtime: warning: ${message}`);
      },
    };
    return await runCommand(name, parsed, globals);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    logError(logPath, logFormat, message);
    console.error(`mydocker runtime: ${message}`);
    return 1;
  }
}
