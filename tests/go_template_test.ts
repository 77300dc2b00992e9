/**
 * The Go template subset of `--format`, on the examples of Docker's "Format command and log
 * output" page and its `inspect`, `ps` and `images` references.
 */

import assert from "node:assert/strict";
import { GoNil, goString, parseTemplate, TemplateError } from "../cli/go_template.ts";
import { alignTabs, formatItems } from "../cli/format_option.ts";

const render = (template: string, data: unknown) => parseTemplate(template).execute(data);

const container = {
  Name: "/Web_App",
  Args: ["-c", "echo hi"],
  Image: "busybox:latest",
  State: { Status: "running", Running: true, Pid: 4242, ExitCode: 0 },
  Config: { Env: ["A=1", "B=2"], Labels: new Map([["com.example.vendor", "ACME"], ["a", "b"]]) },
  HostConfig: { CapAdd: new GoNil("slice"), Memory: 1073741824 },
  Mounts: [{ Type: "bind", Source: "/src", Destination: "/dst", RW: true }],
  NetworkSettings: {
    Networks: new Map([["none", { IPAddress: "" }], ["host", { IPAddress: "" }]]),
  },
};

Deno.test("go template: fields, nested fields and Go's default formatting", () => {
  assert.equal(render("{{.State.Status}} {{.State.Pid}}", container), "running 4242");
  assert.equal(render("{{.Args}}", container), "[-c echo hi]");
  assert.equal(render("{{.Config.Labels}}", container), "map[a:b com.example.vendor:ACME]");
  assert.equal(render("{{.HostConfig.CapAdd}}", container), "[]");
  assert.equal(render("{{.HostConfig.Memory}}", container), "1073741824");
  assert.equal(render("{{.State.Running}}", container), "true");
  assert.equal(render("{{.Mounts}}", container), "[{bind /src /dst true}]");
  assert.equal(render("{{.Config.Labels.missing}}", container), "<no value>");
  assert.equal(goString(0.5), "0.5");
});

Deno.test("go template: Docker's documented functions (join, json, lower, split, title, upper)", () => {
  assert.equal(render('{{join .Args " , "}}', container), "-c , echo hi");
  assert.equal(
    render("{{json .Mounts}}", container),
    '[{"Type":"bind","Source":"/src","Destination":"/dst","RW":true}]',
  );
  assert.equal(
    render("{{json .Config.Labels}}", container),
    '{"com.example.vendor":"ACME","a":"b"}',
  );
  assert.equal(render("{{json .HostConfig.CapAdd}}", container), "null");
  assert.equal(render("{{lower .Name}}", container), "/web_app");
  assert.equal(render("{{upper .Name}}", container), "/WEB_APP");
  assert.equal(render('{{split .Image ":"}}', container), "[busybox latest]");
  assert.equal(render("{{title .State.Status}}", container), "Running");
  assert.equal(render('{{split (join .Args "/") "/"}}', container), "[-c echo hi]");
  assert.equal(render('{{json "a<b&c"}}', {}), '"a<b&c"');
  assert.equal(
    render("{{pad .State.Status 1 2}}|{{truncate .State.Status 3}}", container),
    " running  |run",
  );
});

Deno.test("go template: range, index, println, variables, pipes", () => {
  assert.equal(
    render("{{range .NetworkSettings.Networks}}{{println .IPAddress}}{{end}}", container),
    "\n\n",
  );
  assert.equal(
    render("{{range $k, $v := .Config.Labels}}{{$k}}={{$v}};{{end}}", container),
    "a=b;com.example.vendor=ACME;",
  );
  assert.equal(
    render("{{range $i, $e := .Config.Env}}{{$i}}:{{$e}} {{end}}", container),
    "0:A=1 1:B=2 ",
  );
  assert.equal(render("{{range .Config.Env}}[{{.}}]{{end}}", container), "[A=1][B=2]");
  assert.equal(render('{{index .Config.Labels "com.example.vendor"}}', container), "ACME");
  assert.equal(render("{{index .Config.Env 1}}", container), "B=2");
  assert.equal(render("{{(index .Mounts 0).Source}}", container), "/src");
  assert.equal(render("{{.Name | lower | upper}}", container), "/WEB_APP");
  assert.equal(render("{{$n := .State.Pid}}{{range .Args}}{{$n}}{{end}}", container), "42424242");
  assert.equal(render("{{range .HostConfig.CapAdd}}x{{else}}none{{end}}", container), "none");
  assert.equal(render("{{len .Config.Env}} {{$.Image}}", container), "2 busybox:latest");
  assert.equal(render('{{printf "%s-%d" .Image .State.Pid}}', container), "busybox:latest-4242");
});

Deno.test("go template: if, else if, with, comparisons, trim markers and comments", () => {
  const t = '{{if eq .State.Status "exited"}}gone{{else if .State.Running}}up{{else}}?{{end}}';
  assert.equal(render(t, container), "up");
  assert.equal(render("{{with .State}}{{.Pid}}{{end}}", container), "4242");
  assert.equal(render("{{if not .HostConfig.CapAdd}}no caps{{end}}", container), "no caps");
  assert.equal(render("{{if gt .State.Pid 1}}big{{end}}", container), "big");
  assert.equal(render("a  {{- /* note */ -}}  {{- .Image -}}  b", container), "abusybox:latestb");
});

Deno.test("go template: errors name what is wrong", () => {
  assert.throws(() => render("{{.Nope}}", container), {
    name: "TemplateError",
    message: /can't evaluate field Nope/,
  });
  assert.throws(() => parseTemplate("{{.Name"), TemplateError);
  assert.throws(() => parseTemplate("{{if .Name}}x"), /unexpected EOF/);
  assert.throws(() => parseTemplate("{{nosuch .Name}}"), /function "nosuch" not defined/);
  assert.throws(() => parseTemplate("{{end}}"), /unexpected/);
});

Deno.test("--format table: Docker's headers, tabwriter columns (min 10, padding 3), \\t", () => {
  const rows = [
    { ID: "4c01db0b339c", Repository: "ubuntu", Tag: "24.04", Size: "78.1MB" },
    { ID: "d7ad12e4a5c7", Repository: "registry.example/app", Tag: "v1", Size: "7MB" },
  ];
  const headers = { ID: "IMAGE ID", Repository: "REPOSITORY", Tag: "TAG", Size: "SIZE" };
  assert.deepEqual(
    formatItems("table {{.ID}}\\t{{.Repository}}\\t{{.Tag}}\\t{{.Size}}", rows, headers),
    [
      "IMAGE ID       REPOSITORY             TAG       SIZE",
      "4c01db0b339c   ubuntu                 24.04     78.1MB",
      "d7ad12e4a5c7   registry.example/app   v1        7MB",
    ],
  );
  assert.deepEqual(formatItems("{{.ID}}: {{.Tag}}", rows), [
    "4c01db0b339c: 24.04",
    "d7ad12e4a5c7: v1",
  ]);
  assert.deepEqual(formatItems("json", [rows[1]]), [
    '{"ID":"d7ad12e4a5c7","Repository":"registry.example/app","Tag":"v1","Size":"7MB"}',
  ]);
  assert.deepEqual(alignTabs(["a\tb", "ccc\td"]), ["a         b", "ccc       d"]);
  assert.throws(() => formatItems("{{.Nope}}", rows), { name: "ExitCodeError" });
});
