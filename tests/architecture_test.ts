/**
 * The layout's rules, checked over the real import graph of every module of the program: the
 * direction `cli → engine → {registry, runtime} → sys`, the stages that run inside a container's
 * namespaces importing only pure spec code and the syscall layer, and no import cycles at all.
 */

import assert from "node:assert/strict";
import { dirname, join, normalize, relative } from "node:path";

const ROOT = normalize(new URL("..", import.meta.url).pathname);

/** The program's folders (tests, testing helpers and benchmarks may import anything). */
const PROGRAM = [
  "main.ts",
  "run_main.ts",
  "runtime_main.ts",
  "cli/",
  "engine/",
  "registry/",
  "runtime/",
  "sys/",
];

/**
 * What each part of the program may import, by path prefix; the longest matching prefix of a
 * module decides. Everything not listed is a back edge.
 */
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  "main.ts": ["cli/", "runtime/spec/", "runtime/stage/", "runtime/host/", "sys/"],
  "run_main.ts": ["cli/"],
  "runtime_main.ts": ["cli/"],
  "cli/": [
    "cli/",
    "engine/",
    "registry/format/",
    "runtime/spec/",
    "sys/exit_codes.ts",
    "sys/path.ts",
  ],
  "engine/": [
    "engine/",
    "registry/",
    "runtime/spec/",
    "runtime/host/",
    "runtime/state/",
    "runtime/cgroups/",
    "runtime/network/",
    "runtime/oci/",
    "sys/",
  ],
  "registry/": ["registry/", "sys/"],
  "runtime/spec/": ["runtime/spec/", "sys/"],
  "runtime/stage/": ["runtime/stage/", "runtime/spec/", "sys/"],
  "runtime/cgroups/": ["runtime/cgroups/", "runtime/spec/", "sys/"],
  "runtime/state/": ["runtime/state/", "runtime/spec/", "runtime/cgroups/", "sys/"],
  "runtime/network/": ["runtime/network/", "runtime/spec/", "runtime/state/", "sys/"],
  // The OCI face's config → plan and state directories.
  "runtime/oci/": ["runtime/oci/", "runtime/spec/", "sys/"],
  // The host starts a container from its main thread, and finishes it from inside its mount
  // namespace.
  "runtime/host/": [
    "runtime/host/",
    "runtime/spec/",
    "runtime/state/",
    "runtime/cgroups/",
    "runtime/network/",
    "runtime/stage/proc_from_outside.ts",
    "runtime/stage/spawn_in_place.ts",
    "runtime/stage/thread_origin.ts",
    "sys/",
  ],
  "sys/": ["sys/"],
};

/** Every TypeScript module under `dir` (relative to the root), recursively. */
function modules(dir: string): string[] {
  const found: string[] = [];
  for (const entry of Deno.readDirSync(join(ROOT, dir))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) found.push(...modules(path));
    else if (entry.name.endsWith(".ts")) found.push(path);
  }
  return found;
}

const IMPORT = /(?:^|\s)(?:import|export)\s[^;]*?from\s+"([^"]+)"|import\(\s*"([^"]+)"\s*\)/g;

/** The program modules `module` imports (statically or dynamically), relative to the root. */
function importsOf(module: string): string[] {
  const text = Deno.readTextFileSync(join(ROOT, module));
  const targets: string[] = [];
  for (const match of text.matchAll(IMPORT)) {
    const specifier = match[1] ?? match[2]!;
    if (!specifier.startsWith(".")) continue;
    targets.push(relative(ROOT, join(ROOT, dirname(module), specifier)));
  }
  return targets;
}

function rulesFor(module: string): readonly string[] {
  const prefix = Object.keys(ALLOWED)
    .filter((candidate) => module === candidate || module.startsWith(candidate))
    .sort((a, b) => b.length - a.length)[0];
  assert.ok(prefix !== undefined, `${module} belongs to no layer: add it to ALLOWED`);
  return ALLOWED[prefix]!;
}

const PROGRAM_MODULES = PROGRAM.flatMap((part) => part.endsWith("/") ? modules(part) : [part]);
const GRAPH = new Map(PROGRAM_MODULES.map((module) => [module, importsOf(module)]));

Deno.test("imports point one way: cli → engine → registry, runtime → sys", () => {
  const backEdges: string[] = [];
  for (const [module, targets] of GRAPH) {
    const allowed = rulesFor(module);
    for (const target of targets) {
      if (!allowed.some((prefix) => target === prefix || target.startsWith(prefix))) {
        backEdges.push(`${module} → ${target}`);
      }
    }
  }
  assert.deepEqual(backEdges, []);
});

Deno.test("no module imports itself through a cycle", () => {
  const cycles: string[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (module: string, path: string[]) => {
    if (state.get(module) === "done") return;
    if (state.get(module) === "visiting") {
      cycles.push([...path.slice(path.indexOf(module)), module].join(" → "));
      return;
    }
    state.set(module, "visiting");
    for (const target of GRAPH.get(module) ?? []) visit(target, [...path, module]);
    state.set(module, "done");
  };
  for (const module of GRAPH.keys()) visit(module, []);
  assert.deepEqual(cycles, []);
});

Deno.test("the import rules see the whole program", () => {
  // A guard against a rule set that passes because it reads nothing.
  assert.ok(GRAPH.size > 80, `only ${GRAPH.size} modules found`);
  assert.ok([...GRAPH.values()].flat().length > 200, "too few imports found");
  assert.ok(importsOf("runtime/stage/init_stage.ts").some((target) => target.startsWith("sys/")));
});

/** A static import: `import … from "x"` or `export … from "x"`, types excepted (erased). */
const STATIC_IMPORT = /(?:^|\n)(?:import|export)\s(?!type\s)[^;]*?from\s+"([^"]+)"/g;

/** The packages and Node built-ins loaded, statically, by `module` and what it imports. */
function staticForeignImports(module: string, seen = new Set<string>()): string[] {
  if (seen.has(module)) return [];
  seen.add(module);
  const text = Deno.readTextFileSync(join(ROOT, module));
  const foreign: string[] = [];
  for (const [, specifier] of text.matchAll(STATIC_IMPORT)) {
    if (!specifier!.startsWith(".")) foreign.push(`${module} → ${specifier}`);
    else foreign.push(...staticForeignImports(join(dirname(module), specifier!), seen));
  }
  return foreign;
}

Deno.test("starting a container loads no npm package and no Node built-in", () => {
  // Deno's Node layer alone costs a start about 20 ms: the pull, which needs it, loads lazily.
  for (
    const entry of [
      "main.ts",
      "run_main.ts",
      "runtime_main.ts",
      "cli/run_command.ts",
      "runtime/host/monitor.ts",
    ]
  ) {
    assert.deepEqual(staticForeignImports(entry), [], entry);
  }
  assert.ok(staticForeignImports("registry/pull/pull.ts").length > 0, "the check sees nothing");
});
