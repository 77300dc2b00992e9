/**
 * The start trampoline, run for real from a file with its tape (a file at descriptor 4), its
 * status (a file at descriptor 5) and its lifeline (descriptor 3): it makes the tape's calls,
 * execs its first argument with the rest as argv, reports what fails and exits 125, 126 or 127,
 * stops when its lifeline has hung up or it gets no tape, and leaves the command no descriptor
 * above stderr.
 */

import assert from "node:assert/strict";
import { startTrampoline } from "../runtime/spec/start_trampoline.ts";
import { startTape } from "../runtime/spec/start_tape.ts";
import type { CredentialStep } from "../runtime/spec/credential_steps.ts";

const code = startTrampoline(Deno.build.arch);

/** How a run of the trampoline went: its exit code, stdout, and status report. */
interface TrampolineRun {
  code: number;
  stdout: string;
  /** The status report's two words (call index, errno), or undefined when it wrote none. */
  report?: [number, number];
}

/**
 * Runs the trampoline (written to a file) with `args` and the tape of `steps` (no tape at all
 * with `tape` "none"); `lifeline` feeds descriptor 3.
 */
async function trampoline(
  args: string[],
  options: {
    steps?: CredentialStep[];
    tape?: "none";
    init?: boolean;
    /** Run it as PID 1 of a new PID namespace with its own /proc (the lifeline: /dev/null). */
    pidns?: boolean;
    lifeline?: "open" | "hung-up";
    redirect?: string;
  } = {},
): Promise<TrampolineRun> {
  const dir = await Deno.makeTempDir({ prefix: "mydocker-test-trampoline-" });
  try {
    const path = `${dir}/trampoline`;
    await Deno.writeFile(path, code!, { mode: 0o755 });
    const tape = options.tape === "none"
      ? new Uint8Array()
      : startTape(options.steps ?? [], "x86_64", options.init).bytes;
    await Deno.writeFile(`${dir}/tape`, tape);
    const fds = `4<"${dir}/tape" 5>"${dir}/status" ${options.redirect ?? ""}`;
    // The shell puts the lifeline at descriptor 3: a pipe whose writer lives on, or has gone;
    // the trampoline's argv[0] is PATH, as posix_spawn gives it.
    const start = `exec -a "$1" "${path}" "\${@:2}" 3<&0 ${fds}`;
    const script = options.lifeline === "hung-up"
      ? `true | { sleep 0.2; ${start}; }`
      : `sleep 1 | { ${start}; }`;
    const command = options.pidns
      ? new Deno.Command("unshare", {
        args: ["--pid", "--fork", "--mount-proc", "bash", "-c", `${start} 3</dev/null`, "bash"]
          .concat(args),
        stdout: "piped",
        stderr: "piped",
      })
      : new Deno.Command("bash", {
        args: ["-c", `exec 9>&-; ${script}`, "bash", ...args],
        stdout: "piped",
        stderr: "piped",
      });
    const output = await command.output();
    const status = await Deno.readFile(`${dir}/status`);
    const view = new DataView(status.buffer);
    return {
      code: output.code,
      stdout: new TextDecoder().decode(output.stdout),
      ...(status.length === 8
        ? { report: [view.getUint32(0, true), view.getUint32(4, true)] as [number, number] }
        : {}),
    };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("startTrampoline() is a static ELF executable for x86_64 only", () => {
  if (Deno.build.arch !== "x86_64") {
    assert.equal(code, undefined);
    return;
  }
  assert.ok(code !== undefined);
  assert.deepEqual([...code.subarray(0, 4)], [0x7f, 0x45, 0x4c, 0x46]);
  assert.equal(new DataView(code.buffer).getUint16(18, true), 62); // EM_X86_64
  assert.equal(startTrampoline("aarch64"), undefined);
});

if (code !== undefined) {
  Deno.test("the trampoline execs PATH with the arguments after it, argv[0] included", async () => {
    // busybox runs the applet its argv[0] names.
    const result = await trampoline(["/bin/busybox", "echo", "hello", "world"]);
    assert.deepEqual(result, { code: 0, stdout: "hello world\n" });
  });

  Deno.test("the trampoline makes the tape's calls before it execs", async () => {
    const steps: CredentialStep[] = [
      { op: "no-new-privileges" },
      { op: "user", uid: 65534, gid: 65533, groups: [65533, 4242] },
      { op: "clear-ambient" },
      { op: "capabilities", mask: 0n },
    ];
    const result = await trampoline([
      "/bin/busybox",
      "sh",
      "-c",
      "id; grep -E '^(NoNew|CapEff)' /proc/self/status",
    ], {
      steps,
    });
    assert.equal(result.code, 0);
    assert.equal(
      result.stdout,
      "uid=65534(nobody) gid=65533 groups=4242,65533\nCapEff:\t0000000000000000\nNoNewPrivs:\t1\n",
    );
  });

  Deno.test("the trampoline reports the call that failed and exits 125 without the exec", async () => {
    const steps: CredentialStep[] = [
      { op: "no-new-privileges" },
      { op: "chown", path: "/no/such/file", uid: 1, gid: 1 },
      { op: "user", uid: 65534, gid: 65534, groups: [] },
    ];
    const result = await trampoline(["/bin/echo", "echo", "started"], { steps });
    assert.deepEqual(result, { code: 125, stdout: "", report: [1, 2] }); // ENOENT
  });

  Deno.test("as init, the trampoline runs the command as its child and exits as it does", async () => {
    // The command is not PID 1: its parent is, the trampoline.
    const script = 'test $$ -ne 1 && test "$PPID" -eq 1 && exit 7';
    const result = await trampoline(["/bin/busybox", "sh", "-c", script], {
      init: true,
      pidns: true,
    });
    assert.deepEqual(result, { code: 7, stdout: "" });
    const signalled = await trampoline(["/bin/busybox", "sh", "-c", "kill -USR1 $$"], {
      init: true,
      pidns: true,
    });
    assert.deepEqual(signalled, { code: 128 + 10, stdout: "" });
  });

  Deno.test("as init, the trampoline reaps orphans and forwards signals to the command", async () => {
    // An orphan reparented to the trampoline, PID 1, is reaped; a SIGTERM sent to the
    // trampoline reaches the command, which traps it.
    const script = [
      'trap "echo got TERM; exit 3" TERM',
      "(sleep 0.1 &)",
      "sleep 0.4",
      'ps -o pid,stat,comm | grep -c " Z " || true',
      "kill -TERM 1",
      "sleep 2 & wait",
    ].join("; ");
    const result = await trampoline(
      ["/bin/busybox", "sh", "-c", script],
      { init: true, pidns: true },
    );
    assert.deepEqual(result, { code: 3, stdout: "0\ngot TERM\n" });
  });

  Deno.test("the trampoline exits 127 for a missing program and 126 for one it cannot run", async () => {
    const calls = startTape([], "x86_64").calls.length;
    assert.deepEqual(await trampoline(["/no/such/program", "x"]), {
      code: 127,
      stdout: "",
      report: [calls, 2], // ENOENT, past the tape's last call
    });
    assert.deepEqual(await trampoline(["/etc", "x"]), {
      code: 126,
      stdout: "",
      report: [calls, 13], // EACCES
    });
  });

  Deno.test("the trampoline does not start the command once its lifeline has hung up", async () => {
    const result = await trampoline(["/bin/echo", "echo", "started"], { lifeline: "hung-up" });
    assert.deepEqual(result, { code: 137, stdout: "" });
  });

  Deno.test("the trampoline does not start the command without a tape", async () => {
    const result = await trampoline(["/bin/echo", "echo", "started"], { tape: "none" });
    assert.deepEqual(result, { code: 137, stdout: "" });
  });

  Deno.test("the trampoline leaves the command no descriptor above stderr", async () => {
    // Descriptor 7 is open (and inheritable) when the trampoline starts.
    const check =
      "for fd in 3 4 5 7; do [ -e /proc/self/fd/$fd ] && echo $fd open; done; echo done";
    const result = await trampoline(["/bin/sh", "sh", "-c", check], { redirect: "7</dev/null" });
    assert.deepEqual(result, { code: 0, stdout: "done\n" });
  });
}
