import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { IpcatError } from "../../errors.ts";
import { goStruct, GoTemplate, HEADER_FUNCTIONS } from "./mod.ts";

const run = (text: string, data?: unknown) => GoTemplate.parse(text).execute(data);

/** An IpcatError whose message is exactly `message`. */
const failsWith = (message: string) => (error: unknown) =>
  error instanceof IpcatError && error.message === message;

describe("Go text/template: the examples of its documentation", () => {
  it('prints "output" for each of the documented pipelines', () => {
    const pipelines = [
      '{{"\\"output\\""}}',
      '{{`"output"`}}',
      '{{printf "%q" "output"}}',
      '{{"output" | printf "%q"}}',
      '{{printf "%q" (print "out" "put")}}',
      '{{"put" | printf "%s%s" "out" | printf "%q"}}',
      '{{"output" | printf "%s" | printf "%q"}}',
      '{{with "output"}}{{printf "%q" .}}{{end}}',
      '{{with $x := "output" | printf "%q"}}{{$x}}{{end}}',
      '{{with $x := "output"}}{{printf "%q" $x}}{{end}}',
      '{{with $x := "output"}}{{$x | printf "%q"}}{{end}}',
    ];
    for (const text of pipelines) assert.equal(run(text), '"output"', text);
  });

  it("trims spaces around {{- and -}}", () => {
    assert.equal(run("{{23 -}} < {{- 45}}"), "23<45");
  });

  it("writes the documented wedding letters", () => {
    const letter = `
Dear {{.Name}},
{{if .Attended}}
It was a pleasure to see you at the wedding.
{{- else}}
It is a shame you couldn't make it to the wedding.
{{- end}}
{{with .Gift -}}
Thank you for the lovely {{.}}.
{{end}}
Best wishes,
Josie
`;
    const t = GoTemplate.parse(letter);
    assert.equal(
      t.execute({ Name: "Aunt Mildred", Gift: "bone china tea set", Attended: true }),
      "\nDear Aunt Mildred,\n\nIt was a pleasure to see you at the wedding.\nThank you for the lovely bone china tea set.\n\nBest wishes,\nJosie\n",
    );
    assert.equal(
      t.execute({ Name: "Cousin Rodney", Gift: "", Attended: false }),
      "\nDear Cousin Rodney,\n\nIt is a shame you couldn't make it to the wedding.\n\nBest wishes,\nJosie\n",
    );
  });

  it("runs the documented block example, and define overrides it", () => {
    const master = 'Names:{{block "list" .}}{{"\\n"}}{{range .}}{{println "-" .}}{{end}}{{end}}';
    const guardians = ["Gamora", "Groot", "Nebula", "Rocket", "Star-Lord"];
    assert.equal(
      run(master, guardians),
      "Names:\n- Gamora\n- Groot\n- Nebula\n- Rocket\n- Star-Lord\n",
    );
    const overlay = `{{define "list"}} {{join . ", "}}{{end}}${
      master.replace(/{{block "list" \.}}.*{{end}}$/, '{{template "list" .}}')
    }`;
    assert.equal(run(overlay, guardians), "Names: Gamora, Groot, Nebula, Rocket, Star-Lord");
  });
});

describe("Go text/template: actions and functions", () => {
  it("ranges over lists and maps (sorted keys), with else, variables, break and continue", () => {
    assert.equal(run("{{range .}}[{{.}}]{{else}}none{{end}}", [1, 2]), "[1][2]");
    assert.equal(run("{{range .}}[{{.}}]{{else}}none{{end}}", []), "none");
    assert.equal(run("{{range $k, $v := .}}{{$k}}={{$v}};{{end}}", { b: 2, a: 1 }), "a=1;b=2;");
    assert.equal(
      run(
        "{{range $i, $e := .}}{{if eq $i 1}}{{continue}}{{end}}{{if gt $i 2}}{{break}}{{end}}{{$e}}{{end}}",
        [
          "a",
          "b",
          "c",
          "d",
        ],
      ),
      "ac",
    );
    assert.equal(
      run("{{range .Items}}{{$.Prefix}}{{.}} {{end}}", { Prefix: "-", Items: ["x", "y"] }),
      "-x -y ",
    );
  });

  it("has if/else if/else, with/else, and/or that stop early, not, comparisons", () => {
    const t = GoTemplate.parse("{{if lt .N 0}}neg{{else if eq .N 0}}zero{{else}}pos{{end}}");
    assert.deepEqual([-1, 0, 5].map((N) => t.execute({ N })), ["neg", "zero", "pos"]);
    assert.equal(run("{{with .Missing}}x{{else}}empty{{end}}", {}), "empty");
    assert.equal(run("{{or .A .B}} {{and .A .B}} {{not .A}}", { A: "", B: "b" }), "b  true");
    assert.equal(run("{{and .A .Nil.Field}}", { A: false, Nil: null }), "false");
    assert.equal(
      run('{{eq .S "x" "y"}} {{ne 1 2}} {{le 2 2}} {{ge "a" "b"}}', { S: "y" }),
      "true true true false",
    );
  });

  it("has len, index, slice, print, println, printf and variables", () => {
    assert.equal(run("{{len .}} {{index . 1}} {{slice . 1 2}}", ["a", "b", "c"]), "3 b [b]");
    assert.equal(run('{{index .M "k"}} {{len "héllo"}}', { M: { k: "v" } }), "v 6");
    assert.equal(
      run('{{print 1 2 "a" "b" 3}}|{{println "x" 1}}|{{printf "%5.1f|%-4d|%v" 3.14159 7 .}}', [1]),
      "1 2ab3|x 1\n|  3.1|7   |[1]",
    );
    assert.equal(run("{{$x := 1}}{{if true}}{{$x = 2}}{{end}}{{$x}}"), "2");
    assert.equal(run("{{/* a comment */}}a{{- /* another */ -}} b"), "ab");
  });

  it("prints values as Go's %v does", () => {
    assert.equal(
      run("{{.}}", { State: { Status: "running", Pid: 7, Error: "" } }),
      "{{running 7 }}",
    );
    assert.equal(
      run("{{.Labels}} {{.Cmd}} {{.Nothing}}", { Labels: {}, Cmd: ["sleep", "1"], Nothing: null }),
      "map[] [sleep 1] <nil>",
    );
    assert.equal(run("{{.Size}} {{.Ratio}}", { Size: 67108864, Ratio: 0.5 }), "67108864 0.5");
  });

  it("has the docker CLI's functions", () => {
    assert.equal(run("{{json .}}", { a: "<b>", n: [1, null] }), '{"a":"<b>","n":[1,null]}');
    assert.equal(
      run('{{join .L ", "}}|{{split "a:b" ":"}}|{{lower "AbC"}}|{{upper "abc"}}', {
        L: ["x", "y"],
      }),
      "x, y|[a b]|abc|ABC",
    );
    assert.equal(
      run('{{title "hello wide world"}}|{{truncate "abcdef" 3}}|{{truncate "ab" 3}}'),
      "Hello Wide World|abc|ab",
    );
    assert.equal(run('[{{pad "x" 2 1}}][{{pad "" 2 1}}]'), "[  x ][]");
    const header = GoTemplate.parse("{{json .ID}}\t{{upper .Names}}");
    assert.equal(
      header.execute({ ID: "CONTAINER ID", Names: "NAMES" }, { functions: HEADER_FUNCTIONS }),
      "CONTAINER ID\tNAMES",
    );
  });

  it("calls methods with arguments", () => {
    const row = goStruct("*formatter.ContainerContext", {
      Label: (key: unknown) => `value of ${key}`,
    });
    assert.equal(run('{{.Label "com.example"}}', row), "value of com.example");
  });
});

describe("Go text/template: errors worded as Go's", () => {
  it("fails to parse unclosed actions, unknown functions and stray ends", () => {
    assert.throws(() => GoTemplate.parse("{{.Names"), failsWith("template: :1: unclosed action"));
    assert.throws(
      () => GoTemplate.parse("{{nofunc .}}"),
      failsWith('template: :1: function "nofunc" not defined'),
    );
    assert.throws(() => GoTemplate.parse("{{end}}"), failsWith("template: :1: unexpected {{end}}"));
    assert.throws(() => GoTemplate.parse("{{if .}}x"), failsWith("template: :1: unexpected EOF"));
  });

  it("fails at execution on unknown struct fields, missing keys (missingkey=error) and nil", () => {
    const row = goStruct("*formatter.ContainerContext", { Names: "web" });
    assert.throws(
      () => run("{{.Bogus}}", row),
      failsWith(
        'template: :1:2: executing "" at <.Bogus>: can\'t evaluate field Bogus in type *formatter.ContainerContext',
      ),
    );
    assert.throws(
      () =>
        GoTemplate.parse("{{.State.Bogus.X}}").execute({ State: {} }, { missingKeyError: true }),
      failsWith(
        'template: :1:8: executing "" at <.State.Bogus.X>: map has no entry for key "Bogus"',
      ),
    );
    assert.equal(run("{{.Missing}}", {}), "<no value>");
    assert.throws(() => run("{{.A.B}}", { A: null }), /nil pointer evaluating interface \{\}\.B/);
    assert.throws(() => run("{{index . 5}}", []), /error calling index: index out of range: 5/);
  });
});
