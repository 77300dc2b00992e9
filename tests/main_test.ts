import assert from "node:assert/strict";
import { parseCommandLine } from "../cli/command_line.ts";

Deno.test("parseCommandLine() ends options at IMAGE and passes the rest verbatim", async () => {
  const parsed = await parseCommandLine([
    "run",
    "--rootfs",
    "/r",
    "img",
    "ls",
    "-la",
    "--rm",
    "-h",
  ]);
  assert.equal(parsed.name, "run");
  if (parsed.name !== "run") return;
  assert.equal(parsed.invocation.image, "img");
  assert.deepEqual(parsed.invocation.command, ["ls", "-la", "--rm", "-h"]);
  assert.equal(parsed.invocation.options.rootfs, "/r");
});

Deno.test("parseCommandLine() collects repeated -e and --env-file and takes -h as hostname", async () => {
  const parsed = await parseCommandLine([
    "run",
    "-e",
    "A=1",
    "--env",
    "B",
    "--env-file",
    "f1",
    "--env-file=f2",
    "-h",
    "box",
    "-w",
    "/w",
    "--rm",
    "img",
  ]);
  assert.equal(parsed.name, "run");
  if (parsed.name !== "run") return;
  const { options } = parsed.invocation;
  assert.deepEqual(options.env, ["A=1", "B"]);
  assert.deepEqual(options.envFile, ["f1", "f2"]);
  assert.equal(options.hostname, "box");
  assert.equal(options.workdir, "/w");
  assert.equal(options.rm, true);
  assert.equal(options.network, undefined);
  assert.deepEqual(parsed.invocation.command, []);
});

Deno.test("parseCommandLine() reports unknown flags with a hint for the command", async () => {
  assert.deepEqual(await parseCommandLine(["run", "--bogus", "img"]), {
    name: "usage-error",
    message: "unknown flag: --bogus",
    hint: "See 'mydocker run --help'.",
  });
  assert.deepEqual(await parseCommandLine(["frob"]), {
    name: "usage-error",
    message: "'frob' is not a mydocker command.",
    hint: "See 'mydocker --help'.",
  });
  assert.deepEqual(await parseCommandLine(["run"]), {
    name: "usage-error",
    message: '"mydocker run" requires at least 1 argument.',
    hint: "See 'mydocker run --help'.",
  });
  assert.deepEqual(await parseCommandLine(["--bogus=1", "ps"]), {
    name: "usage-error",
    message: "unknown flag: --bogus",
    hint: "See 'mydocker --help'.",
  });
  const ps = await parseCommandLine(["ps", "x"]);
  assert.ok(ps.name === "usage-error" && ps.message === '"mydocker ps" accepts no arguments.');
});

Deno.test("parseCommandLine() takes --flag=true|false for every boolean flag, as pflag does", async () => {
  const on = await parseCommandLine(["run", "--rm=true", "-d=1", "--init=false", "img"]);
  assert.ok(on.name === "run");
  assert.equal(on.invocation.options.rm, true);
  assert.equal(on.invocation.options.detach, true);
  assert.equal(on.invocation.options.init, false);
  const off = await parseCommandLine(["run", "--rm=False", "img"]);
  assert.ok(off.name === "run" && off.invocation.options.rm === false);
  // A flag that is on by default is turned off so.
  const attach = await parseCommandLine(["attach", "--sig-proxy=false", "c"]);
  assert.ok(attach.name === "attach" && !attach.sigProxy && attach.stdin);
  const proxied = await parseCommandLine(["attach", "--no-stdin", "c"]);
  assert.ok(proxied.name === "attach" && proxied.sigProxy && !proxied.stdin);
  assert.deepEqual(await parseCommandLine(["run", "--rm=yes", "img"]), {
    name: "usage-error",
    message:
      'invalid argument "yes" for "--rm" flag: strconv.ParseBool: parsing "yes": invalid syntax',
    hint: "See 'mydocker run --help'.",
  });
});

Deno.test("parseCommandLine() takes the state root from --root, then $MYDOCKER_ROOT", async () => {
  const parsed = await parseCommandLine(["--root", "/srv/md", "run", "img", "true"]);
  assert.ok(parsed.name === "run" && parsed.invocation.root === "/srv/md");
});

Deno.test("parseCommandLine() takes combined short flags and --long=value", async () => {
  const parsed = await parseCommandLine(["run", "-dit", "--env=A=1", "-eB=2", "img", "sh"]);
  assert.ok(parsed.name === "run");
  const { options } = parsed.invocation;
  assert.equal(options.detach, true);
  assert.equal(options.interactive, true);
  assert.equal(options.tty, true);
  assert.deepEqual(options.env, ["A=1", "B=2"]);
  assert.deepEqual(parsed.invocation.command, ["sh"]);
});

Deno.test("parseCommandLine() parses exec like run: options end at CONTAINER", async () => {
  const parsed = await parseCommandLine(["exec", "-u", "nobody", "box", "ls", "-u", "--all"]);
  assert.ok(parsed.name === "exec");
  assert.equal(parsed.container, "box");
  assert.deepEqual(parsed.command, ["ls", "-u", "--all"]);
  assert.equal(parsed.options.user, "nobody");
});

Deno.test("parseCommandLine() applies defaults and checks values of the other commands", async () => {
  assert.deepEqual(await parseCommandLine(["stop", "a", "b"]), {
    name: "stop",
    containers: ["a", "b"],
    stop: { seconds: undefined, signal: undefined },
    root: Deno.env.get("MYDOCKER_ROOT") || "/var/lib/mydocker",
  });
  const bad = await parseCommandLine(["stop", "-t", "soon", "a"]);
  assert.deepEqual(bad, {
    name: "usage-error",
    message:
      'invalid argument "soon" for "-t, --time" flag: strconv.ParseInt: parsing "soon": invalid syntax',
    hint: "See 'mydocker stop --help'.",
  });
  const restart = await parseCommandLine(["restart", "-s", "SIGUSR1", "-t", "-1", "a"]);
  assert.ok(restart.name === "restart");
  assert.deepEqual(restart.stop, { seconds: -1, signal: "SIGUSR1" });
  const kill = await parseCommandLine(["kill", "-s", "USR1", "a"]);
  assert.ok(kill.name === "kill" && kill.signal === "USR1");
  const extra = await parseCommandLine(["logs", "a", "b"]);
  assert.deepEqual(extra, {
    name: "usage-error",
    message: '"mydocker logs" requires exactly 1 argument.',
    hint: "See 'mydocker logs --help'.",
  });
});

Deno.test("parseCommandLine() answers --help with text generated from the command table", async () => {
  const help = await parseCommandLine(["run", "--help"]);
  assert.ok(help.name === "help");
  assert.match(help.text, /^Usage: {2}mydocker run \[OPTIONS\] IMAGE \[COMMAND\] \[ARG\.\.\.\]\n/);
  assert.match(help.text, /\n {2}-e, --env KEY=VALUE +Set an environment variable/);
  const general = await parseCommandLine([]);
  assert.ok(general.name === "help");
  assert.match(general.text, /\n {2}exec +Execute a command/);
});

Deno.test("parseCommandLine() lets an option that takes a value consume the next argument, as pflag", async () => {
  const parsed = await parseCommandLine([
    "run",
    "--memory-swap",
    "-1",
    "--pids-limit",
    "-1",
    "-m",
    "-5",
    "-c",
    "-1",
    "-u",
    "-1",
    "-e",
    "--not-an-option",
    "img",
  ]);
  assert.ok(parsed.name === "run");
  const { options } = parsed.invocation;
  assert.equal(options.memorySwap, "-1");
  assert.equal(options.pidsLimit, "-1");
  assert.equal(options.memory, "-5");
  assert.equal(options.cpuShares, "-1");
  assert.equal(options.user, "-1");
  assert.deepEqual(options.env, ["--not-an-option"]);
  assert.equal(parsed.invocation.image, "img");
});

Deno.test("parseCommandLine() reads -X=VALUE as VALUE and a short group ending in a value", async () => {
  const parsed = await parseCommandLine(["run", "-u=-1", "-e=A=B", "-m=6m", "-itu", "1000", "img"]);
  assert.ok(parsed.name === "run");
  const { options } = parsed.invocation;
  assert.equal(options.user, "1000");
  assert.deepEqual(options.env, ["A=B"]);
  assert.equal(options.memory, "6m");
  assert.equal(options.interactive, true);
  assert.equal(options.tty, true);
  const equals = await parseCommandLine(["run", "-u=-1", "img"]);
  assert.ok(equals.name === "run" && equals.invocation.options.user === "-1");
});

Deno.test("parseCommandLine() reports a value-taking option at the end, and -- ends options", async () => {
  const after = await parseCommandLine(["run", "img", "-m"]);
  assert.ok(after.name === "run" && after.invocation.command[0] === "-m");
  assert.deepEqual(await parseCommandLine(["run", "-m"]), {
    name: "usage-error",
    message: "flag needs an argument: 'm' in -m",
    hint: "See 'mydocker run --help'.",
  });
  const dashes = await parseCommandLine(["run", "--rm", "--", "-img", "ls", "-la"]);
  assert.ok(dashes.name === "run");
  assert.equal(dashes.invocation.image, "-img");
  assert.deepEqual(dashes.invocation.command, ["ls", "-la"]);
  const unknown = await parseCommandLine(["run", "-x", "img"]);
  assert.ok(
    unknown.name === "usage-error" && unknown.message === "unknown shorthand flag: 'x' in -x",
  );
  const short = await parseCommandLine(["run", "-u"]);
  assert.ok(short.name === "usage-error" && short.message === "flag needs an argument: 'u' in -u");
});
