// `--format` and `inspect -f` through the Go template engine, byte for byte against the
// docker CLI on the same containers (fields whose text depends on the clock are left out).
import assert from "node:assert/strict";
import { after, before, describe } from "node:test";
import { waysToTest } from "../harness.ts";
import {
  DOCKER_HOST,
  dockerIt,
  ensureImage,
  IMAGE,
  ipcatDocker,
  removeContainers,
  sameAsCli,
  track,
  uniqueName,
} from "../docker_env.ts";

before(async () => {
  if (DOCKER_HOST) await ensureImage();
});
after(() => removeContainers());

for (const way of waysToTest()) {
  describe(`docker: Go templates in --format and -f, as the CLI's (${way})`, () => {
    dockerIt("ps --format: fields, table, json, Label, functions, and its errors", async () => {
      const name = track(uniqueName(`fmt-${way}`));
      const created = await ipcatDocker(way, [
        "create",
        "--name",
        name,
        "--network",
        "none",
        "-e",
        "A=1",
        IMAGE,
        "sh",
        "-c",
        "echo a rather long command line",
      ]);
      assert.equal(created.code, 0, created.stderr);
      const only = ["-a", "--filter", `name=^${name}$`];
      for (
        const format of [
          "{{.Names}} {{.State}} {{.Image}} {{.Command}}",
          "table {{.Names}}\\t{{.State}}\\t{{.Networks}}",
          // The default table's CREATED column moves with the clock: a table of other columns.
          "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}",
          "{{json .Names}} {{upper .Names}} {{truncate .ID 5}} {{pad .State 1 2}}|",
          '{{.Label "none"}}|{{if eq .State "created"}}new{{else}}old{{end}}',
          '{{range split .Names "-"}}[{{.}}]{{end}}',
          "{{.Bogus}}",
          "{{.Names",
          "{{nofunc .Names}}",
        ]
      ) {
        await sameAsCli(way, ["ps", ...only, "--format", format]);
      }
      await sameAsCli(way, ["ps", ...only, "--no-trunc", "--format", "{{.ID}} {{.Command}}"]);
      await sameAsCli(way, ["ps", ...only, "-q"]);
    });

    dockerIt("inspect -f on containers and images, and its errors", async () => {
      const name = track(uniqueName(`insf-${way}`));
      await ipcatDocker(way, ["create", "--name", name, "--network", "none", IMAGE, "sleep", "9"]);
      for (
        const format of [
          "{{.Name}} {{.State.Status}} {{.HostConfig.ShmSize}} {{.Config.Tty}}",
          "{{json .Config.Cmd}} {{.Config.Cmd}} {{len .Config.Cmd}} {{index .Config.Cmd 0}}",
          "{{range $i, $a := .Config.Cmd}}{{$i}}={{$a}};{{end}}",
          "{{with .Config.Labels}}labels{{else}}none{{end}} {{.Config.Labels}}",
          '{{printf "%-6s|%5v" .State.Status .State.ExitCode}}',
          "{{.Bogus}}",
        ]
      ) {
        await sameAsCli(way, ["inspect", "-f", format, name]);
      }
      await sameAsCli(way, [
        "inspect",
        "--type",
        "image",
        "-f",
        "{{.Os}} {{.Architecture}}",
        IMAGE,
      ]);
    });

    dockerIt("version -f", async () => {
      await sameAsCli(way, [
        "version",
        "-f",
        "{{.Server.Version}} {{.Server.ApiVersion}} {{.Server.Os}}",
      ]);
    });
  });
}
