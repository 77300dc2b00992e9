import assert from "node:assert/strict";
import { keptSeccompFilters } from "../runtime/host/seccomp_cache.ts";
import { seccompFilter } from "../runtime/spec/seccomp_filter.ts";
import { compileSeccompFilter } from "../runtime/spec/seccomp_bpf.ts";
import { DEFAULT_PROFILE } from "../runtime/spec/seccomp_profile.ts";

const program = new Uint8Array([6, 0, 0, 0, 0, 0, 0xff, 0x7f]); // ret ALLOW

Deno.test("a kept filter is given back only for the input it was compiled from", () => {
  const root = Deno.makeTempDirSync();
  try {
    const kept = keptSeccompFilters(root);
    assert.equal(kept.get("x86_64-CHOWN", "{}"), undefined);
    kept.set("x86_64-CHOWN", '{"profile":1}', program);
    assert.deepEqual(kept.get("x86_64-CHOWN", '{"profile":1}'), program);
    assert.equal(kept.get("x86_64-CHOWN", '{"profile":2}'), undefined);
    assert.equal(kept.get("x86_64-KILL", '{"profile":1}'), undefined);
    kept.set("x86_64-CHOWN", '{"profile":2}', program);
    assert.equal(kept.get("x86_64-CHOWN", '{"profile":1}'), undefined);
    assert.deepEqual(Deno.readDirSync(`${root}/cache/seccomp`).toArray().length, 1);
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("a kept filter that is cut short or garbled is not used", () => {
  const root = Deno.makeTempDirSync();
  try {
    const kept = keptSeccompFilters(root);
    kept.set("n", "input", program);
    const [file] = Deno.readDirSync(`${root}/cache/seccomp`).toArray();
    const path = `${root}/cache/seccomp/${file!.name}`;
    Deno.writeFileSync(path, Deno.readFileSync(path).subarray(0, "input\n".length + 5));
    assert.equal(kept.get("n", "input"), undefined);
    Deno.writeTextFileSync(path, "input");
    assert.equal(kept.get("n", "input"), undefined);
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("seccompFilter() keeps what it compiles, and the next process reads it back", () => {
  const root = Deno.makeTempDirSync();
  try {
    const capabilities = ["KILL", "CHOWN", "SYS_PTRACE"];
    const expected = compileSeccompFilter(DEFAULT_PROFILE, Deno.build.arch, capabilities);
    const recorded: string[] = [];
    const kept = keptSeccompFilters(root);
    const spy = {
      get: (name: string, input: string) => (recorded.push(`get ${name}`), kept.get(name, input)),
      set: (name: string, input: string, filter: Uint8Array<ArrayBuffer>) => {
        recorded.push(`set ${name}`);
        kept.set(name, input, filter);
      },
    };
    assert.deepEqual(seccompFilter(capabilities, spy), expected);
    const name = `${Deno.build.arch}-CHOWN,KILL,SYS_PTRACE`;
    assert.deepEqual(recorded, [`get ${name}`, `set ${name}`]);
    const input = JSON.stringify({
      arch: Deno.build.arch,
      capabilities: ["CHOWN", "KILL", "SYS_PTRACE"],
      profile: DEFAULT_PROFILE,
    });
    assert.deepEqual(kept.get(name, input), expected);
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});
