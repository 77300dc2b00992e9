/**
 * Every command mydocker knows, as one table typed `as const`: names, options, arguments and help.
 * The parser reads it, the help text is generated from it, and each command's option values get
 * their type from it ({@linkcode OptionValues}), so no hand-written options interface can drift
 * from what the parser hands over.
 *
 * @module
 */

import type { CommandSpec, OptionSpec, OptionValues } from "./parse_args.ts";

const PLATFORM = {
  long: "platform",
  value: "os/arch[/variant]",
  help: "Platform to pull, e.g. linux/arm64",
} as const satisfies OptionSpec;
const ENV = {
  long: "env",
  short: "e",
  value: "KEY=VALUE",
  multiple: true,
  help: "Set an environment variable (KEY alone copies it from here)",
} as const satisfies OptionSpec;
const ENV_FILE = {
  long: "env-file",
  value: "FILE",
  multiple: true,
  help: "Read environment variables from a file",
} as const satisfies OptionSpec;
const WORKDIR = {
  long: "workdir",
  short: "w",
  value: "DIR",
  help: "Working directory inside the container",
} as const satisfies OptionSpec;
const USER = {
  long: "user",
  short: "u",
  value: "name|uid[:group|gid]",
  help: "User to run the command as",
} as const satisfies OptionSpec;

const FORMAT = {
  long: "format",
  short: "f",
  value: "TEMPLATE",
  help: "Format output using a Go template ('json': each object as JSON)",
} as const satisfies OptionSpec;
/** `--format` of the listings (`ps`, `images`), whose `-f` is `--filter`. */
const LIST_FORMAT = {
  long: FORMAT.long,
  value: FORMAT.value,
  help: FORMAT.help,
} as const satisfies OptionSpec;

const STOP_SIGNAL = {
  long: "signal",
  short: "s",
  value: "SIGNAL",
  help: "Signal to send to the container (default: its stop signal)",
} as const satisfies OptionSpec;
const STOP_TIME = {
  long: "time",
  short: "t",
  value: "SECONDS",
  help: "Seconds to wait before killing the container (default: its stop timeout; -1: forever)",
} as const satisfies OptionSpec;

const DETACH_KEYS = {
  long: "detach-keys",
  value: "KEYS",
  help: 'Override the key sequence for detaching a container (default "ctrl-p,ctrl-q")',
} as const satisfies OptionSpec;

/** Every command mydocker knows, as data: options, arguments, help. */
export const COMMANDS = {
  run: {
    name: "run",
    usage: "[OPTIONS] IMAGE [COMMAND] [ARG...]",
    description: "Create and run a new container from an image",
    minArgs: 1,
    maxArgs: 1,
    verbatimAfter: 1,
    options: [
      { long: "rootfs", value: "DIR", help: "Use a directory as the root (never modified)" },
      { long: "pull", value: "POLICY", default: "missing", help: "Pull: missing, always or never" },
      PLATFORM,
      { long: "quiet", short: "q", help: "Print nothing while pulling" },
      { long: "name", value: "NAME", help: "Assign a name to the container" },
      { long: "detach", short: "d", help: "Run in the background and print the container id" },
      { long: "rm", help: "Remove the container when it exits" },
      { long: "stop-signal", value: "SIGNAL", help: "Signal to stop the container" },
      {
        long: "stop-timeout",
        value: "SECONDS",
        help: "Seconds to wait before killing the container on stop (default 10, -1: forever)",
      },
      {
        long: "restart",
        value: "POLICY",
        default: "no",
        help: "Restart policy: no, on-failure[:max-retries], always, unless-stopped",
      },
      {
        long: "log-opt",
        value: "max-size=SIZE|max-file=N",
        multiple: true,
        help: "Log caps (default max-size=10m, max-file=3)",
      },
      { long: "interactive", short: "i", help: "Keep stdin attached" },
      { long: "tty", short: "t", help: "Allocate a pseudo-terminal" },
      { long: "init", help: "Run a minimal init as PID 1 that forwards signals and reaps zombies" },
      { long: "entrypoint", value: "COMMAND", help: "Overwrite the image's entrypoint" },
      ENV,
      ENV_FILE,
      WORKDIR,
      USER,
      { long: "hostname", short: "h", value: "NAME", help: "Container hostname" },
      {
        long: "network",
        value: "NETWORK",
        help: "Network: bridge (default), none, host, container:NAME, or a network's name",
      },
      {
        long: "publish",
        short: "p",
        value: "[IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL]",
        multiple: true,
        help: "Publish a container's port to the host",
      },
      { long: "publish-all", short: "P", help: "Publish the image's exposed ports to free ports" },
      { long: "dns", value: "ADDRESS", multiple: true, help: "Set a custom DNS server" },
      { long: "dns-search", value: "DOMAIN", multiple: true, help: "Set a DNS search domain" },
      { long: "dns-option", value: "OPTION", multiple: true, help: "Set a DNS option" },
      {
        long: "add-host",
        value: "HOST:IP",
        multiple: true,
        help: "Add a line to /etc/hosts (IP may be host-gateway)",
      },
      {
        long: "volume",
        short: "v",
        value: "[HOST|NAME:]CONTAINER[:ro]",
        multiple: true,
        help: "Bind a host path or mount a volume (named, or anonymous without one)",
      },
      {
        long: "volumes-from",
        value: "CONTAINER[:ro|rw]",
        multiple: true,
        help: "Mount the volumes and binds of another container",
      },
      {
        long: "mount",
        value: "type=bind|volume|tmpfs,...",
        multiple: true,
        help: "Attach a bind, volume or tmpfs mount",
      },
      { long: "tmpfs", value: "PATH[:OPTIONS]", multiple: true, help: "Mount a tmpfs at PATH" },
      { long: "read-only", help: "Mount the container's root read-only" },
      {
        long: "no-pivot",
        help: "Enter the root with chroot, not pivot_root (for an initramfs root; less safe)",
      },
      { long: "cap-add", value: "CAP", multiple: true, help: "Add a Linux capability (or ALL)" },
      { long: "cap-drop", value: "CAP", multiple: true, help: "Drop a Linux capability (or ALL)" },
      {
        long: "privileged",
        help: "All capabilities and devices, no masked paths, no seccomp, writable /sys",
      },
      {
        long: "device",
        value: "HOST[:CONTAINER[:PERMISSIONS]]",
        multiple: true,
        help: "Give the container a host device (permissions: some of rwm)",
      },
      {
        long: "security-opt",
        value: "OPTION",
        multiple: true,
        help: "seccomp=unconfined or no-new-privileges",
      },
      { long: "memory", short: "m", value: "BYTES", help: "Memory limit (e.g. 512m)" },
      {
        long: "memory-swap",
        value: "BYTES",
        help: "Memory plus swap limit; -1 for unlimited swap",
      },
      { long: "cpus", value: "NUMBER", help: "Number of CPUs (e.g. 1.5)" },
      { long: "cpu-shares", short: "c", value: "WEIGHT", help: "CPU shares (relative weight)" },
      { long: "pids-limit", value: "NUMBER", help: "Maximum number of processes (-1: unlimited)" },
    ],
  },
  exec: {
    name: "exec",
    usage: "[OPTIONS] CONTAINER COMMAND [ARG...]",
    description: "Execute a command in a running container",
    minArgs: 1,
    maxArgs: 1,
    verbatimAfter: 1,
    options: [
      ENV,
      ENV_FILE,
      WORKDIR,
      USER,
      { long: "interactive", short: "i", help: "Keep stdin attached" },
      { long: "tty", short: "t", help: "Allocate a pseudo-terminal" },
      { long: "detach", short: "d", help: "Detached mode: run command in the background" },
    ],
  },
  pull: {
    name: "pull",
    usage: "[OPTIONS] NAME[:TAG|@DIGEST]",
    description: "Download an image from a registry",
    minArgs: 1,
    maxArgs: 1,
    options: [PLATFORM, { long: "quiet", short: "q", help: "Print nothing but errors" }],
  },
  images: {
    name: "images",
    usage: "[OPTIONS]",
    description: "List images",
    minArgs: 0,
    maxArgs: 0,
    options: [
      { long: "quiet", short: "q", help: "Only show image IDs" },
      { long: "all", short: "a", help: "Show all images (mydocker keeps no intermediate ones)" },
      { long: "digests", help: "Show digests" },
      {
        long: "filter",
        short: "f",
        value: "KEY=VALUE",
        multiple: true,
        help: "Filter output: dangling=, reference=, before=, since=, label=",
      },
      { long: "no-trunc", help: "Don't truncate output" },
      LIST_FORMAT,
    ],
  },
  rmi: {
    name: "rmi",
    usage: "IMAGE [IMAGE...]",
    description: "Remove one or more images",
    minArgs: 1,
    maxArgs: Infinity,
    options: [{ long: "force", short: "f", help: "Force removal of the image" }],
  },
  ps: {
    name: "ps",
    usage: "[OPTIONS]",
    description: "List containers",
    minArgs: 0,
    maxArgs: 0,
    options: [
      { long: "all", short: "a", help: "Show all containers (default shows just running)" },
      { long: "quiet", short: "q", help: "Only display container IDs" },
      {
        long: "filter",
        short: "f",
        value: "KEY=VALUE",
        multiple: true,
        help: "Filter output: status=, name=, id=, ancestor=",
      },
      {
        long: "last",
        short: "n",
        value: "N",
        help: "Show n last created containers (includes all states)",
      },
      {
        long: "latest",
        short: "l",
        help: "Show the latest created container (includes all states)",
      },
      { long: "no-trunc", help: "Don't truncate output" },
      { long: "size", short: "s", help: "Display total file sizes" },
      LIST_FORMAT,
    ],
  },
  rm: {
    name: "rm",
    usage: "[OPTIONS] CONTAINER [CONTAINER...]",
    description: "Remove one or more containers",
    minArgs: 1,
    maxArgs: Infinity,
    options: [
      { long: "force", short: "f", help: "Remove a running container (uses SIGKILL)" },
      {
        long: "volumes",
        short: "v",
        help: "Remove anonymous volumes associated with the container",
      },
    ],
  },
  logs: {
    name: "logs",
    usage: "[OPTIONS] CONTAINER",
    description: "Fetch the logs of a container",
    minArgs: 1,
    maxArgs: 1,
    options: [
      { long: "follow", short: "f", help: "Follow log output" },
      {
        long: "tail",
        short: "n",
        value: "N",
        default: "all",
        help: "Number of lines to show from the end of the logs",
      },
      { long: "timestamps", short: "t", help: "Show timestamps" },
      {
        long: "since",
        value: "TIME",
        help: "Show logs since a timestamp (2013-01-02T13:23:37Z) or relative (42m)",
      },
      {
        long: "until",
        value: "TIME",
        help: "Show logs before a timestamp (2013-01-02T13:23:37Z) or relative (42m)",
      },
    ],
  },
  start: {
    name: "start",
    usage: "[OPTIONS] CONTAINER [CONTAINER...]",
    description: "Start one or more stopped containers",
    minArgs: 1,
    maxArgs: Infinity,
    options: [
      { long: "attach", short: "a", help: "Attach STDOUT/STDERR and forward signals" },
      { long: "interactive", short: "i", help: "Attach container's STDIN" },
      DETACH_KEYS,
    ],
  },
  attach: {
    name: "attach",
    usage: "[OPTIONS] CONTAINER",
    description: "Attach local standard input, output, and error streams to a running container",
    minArgs: 1,
    maxArgs: 1,
    options: [
      DETACH_KEYS,
      { long: "no-stdin", help: "Do not attach STDIN" },
      {
        long: "sig-proxy",
        help: "Proxy all received signals to the process (default true; not with a terminal)",
      },
    ],
  },
  restart: {
    name: "restart",
    usage: "[OPTIONS] CONTAINER [CONTAINER...]",
    description: "Restart one or more containers",
    minArgs: 1,
    maxArgs: Infinity,
    options: [STOP_SIGNAL, STOP_TIME],
  },
  stop: {
    name: "stop",
    usage: "[OPTIONS] CONTAINER [CONTAINER...]",
    description: "Stop one or more running containers",
    minArgs: 1,
    maxArgs: Infinity,
    options: [STOP_SIGNAL, STOP_TIME],
  },
  kill: {
    name: "kill",
    usage: "[OPTIONS] CONTAINER [CONTAINER...]",
    description: "Kill one or more running containers",
    minArgs: 1,
    maxArgs: Infinity,
    options: [{
      long: "signal",
      short: "s",
      value: "SIGNAL",
      default: "KILL",
      help: "Signal to send to the container",
    }],
  },
  wait: {
    name: "wait",
    usage: "CONTAINER [CONTAINER...]",
    description: "Block until containers stop, then print their exit codes",
    minArgs: 1,
    maxArgs: Infinity,
    options: [],
  },
  completion: {
    name: "completion",
    usage: "bash|zsh",
    description: "Print the shell completion script for bash or zsh",
    unprivileged: true,
    minArgs: 1,
    maxArgs: 1,
    options: [],
  },
  cp: {
    name: "cp",
    usage: "CONTAINER:SRC_PATH DEST_PATH|-  or  SRC_PATH|- CONTAINER:DEST_PATH",
    description: "Copy files/folders between a container and the local filesystem",
    minArgs: 2,
    maxArgs: 2,
    options: [],
  },
  diff: {
    name: "diff",
    usage: "CONTAINER",
    description: "Inspect changes to files or directories on a container's filesystem",
    minArgs: 1,
    maxArgs: 1,
    options: [],
  },
  export: {
    name: "export",
    usage: "[OPTIONS] CONTAINER",
    description: "Export a container's filesystem as a tar archive",
    minArgs: 1,
    maxArgs: 1,
    options: [{ long: "output", short: "o", value: "FILE", help: "Write to a file, not STDOUT" }],
  },
  network: {
    name: "network",
    usage: "COMMAND (create, inspect, ls, prune, rm)",
    description: "Manage networks",
    minArgs: 0,
    maxArgs: 1,
    verbatimAfter: 1,
    options: [],
  },
  port: {
    name: "port",
    usage: "CONTAINER [PRIVATE_PORT[/PROTO]]",
    description: "List port mappings or a specific mapping for the container",
    minArgs: 1,
    maxArgs: 2,
    options: [],
  },
  volume: {
    name: "volume",
    usage: "COMMAND (create, inspect, ls, prune, rm)",
    description: "Manage volumes",
    minArgs: 0,
    maxArgs: 1,
    verbatimAfter: 1,
    options: [],
  },
  container: {
    name: "container",
    usage: "COMMAND (prune)",
    description: "Manage containers",
    minArgs: 0,
    maxArgs: 1,
    verbatimAfter: 1,
    options: [],
  },
  image: {
    name: "image",
    usage: "COMMAND (prune)",
    description: "Manage images",
    minArgs: 0,
    maxArgs: 1,
    verbatimAfter: 1,
    options: [],
  },
  system: {
    name: "system",
    usage: "COMMAND (df, prune)",
    description: "Manage mydocker",
    minArgs: 0,
    maxArgs: 1,
    verbatimAfter: 1,
    options: [],
  },
  inspect: {
    name: "inspect",
    usage: "[OPTIONS] NAME|ID [NAME|ID...]",
    description: "Return low-level information on containers and images",
    minArgs: 1,
    maxArgs: Infinity,
    options: [
      FORMAT,
      { long: "type", value: "container|image", help: "Only inspect objects of this type" },
    ],
  },
  version: {
    name: "version",
    usage: "[OPTIONS]",
    description: "Show the mydocker version information",
    unprivileged: true,
    minArgs: 0,
    maxArgs: 0,
    options: [FORMAT],
  },
  info: {
    name: "info",
    usage: "[OPTIONS]",
    description: "Display system-wide information",
    minArgs: 0,
    maxArgs: 0,
    options: [FORMAT],
  },
  tag: {
    name: "tag",
    usage: "SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]",
    description: "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE",
    minArgs: 2,
    maxArgs: 2,
    options: [],
  },
  rename: {
    name: "rename",
    usage: "CONTAINER NEW_NAME",
    description: "Rename a container",
    minArgs: 2,
    maxArgs: 2,
    options: [],
  },
  top: {
    name: "top",
    usage: "CONTAINER [ps OPTIONS]",
    description: "Display the running processes of a container",
    minArgs: 1,
    maxArgs: 1,
    verbatimAfter: 1,
    options: [],
  },
  stats: {
    name: "stats",
    usage: "[OPTIONS] [CONTAINER...]",
    description: "Display a live stream of container(s) resource usage statistics",
    minArgs: 0,
    maxArgs: Infinity,
    options: [{
      long: "no-stream",
      help: "Disable streaming stats and only pull the first result",
    }],
  },
  save: {
    name: "save",
    usage: "[OPTIONS] IMAGE [IMAGE...]",
    description: "Save one or more images to a tar archive (streamed to STDOUT by default)",
    minArgs: 1,
    maxArgs: Infinity,
    options: [{ long: "output", short: "o", value: "FILE", help: "Write to a file, not STDOUT" }],
  },
  load: {
    name: "load",
    usage: "[OPTIONS]",
    description: "Load images from a tar archive (docker-archive or OCI layout) or STDIN",
    minArgs: 0,
    maxArgs: 0,
    options: [
      { long: "input", short: "i", value: "FILE", help: "Read from a tar archive file, not STDIN" },
      { long: "quiet", short: "q", help: "Suppress the load output" },
    ],
  },
} as const satisfies Readonly<Record<string, CommandSpec>>;

/** The name of a command in {@linkcode COMMANDS}. */
export type CommandName = keyof typeof COMMANDS;

/** The option values of the command named `N`. */
export type OptionsOf<N extends CommandName> = OptionValues<(typeof COMMANDS)[N]>;
