// The docker CLI is the reference: on the same containers and images, ipcat must print
// the same bytes on stdout and stderr and exit with the same status. (The CLI is only
// compared against here, never used to set anything up; it is never given an image
// the daemon lacks, since it would then try to pull from a registry.)
import assert from "node:assert/strict";
import { rmSync, writeFileSync } from "node:fs";
import { after, before, describe } from "node:test";
import { tempName, waysToTest } from "../harness.ts";
import {
  binaryData,
  bothWays,
  DOCKER_CLI,
  DOCKER_HOST,
  dockerIt,
  ensureImage,
  IMAGE,
  ipcatDocker,
  removeContainers,
  runBytes,
  track,
  uniqueName,
} from "../docker_env.ts";

const dataFile = tempName("ipcat-compare");
const data = binaryData(300 * 1024, 21);

before(async () => {
  if (!DOCKER_HOST) return;
  writeFileSync(dataFile, data);
  await ensureImage();
});
after(async () => {
  rmSync(dataFile, { force: true });
  await removeContainers();
});

for (const way of waysToTest()) {
  describe(`docker: same bytes and statuses as the docker CLI (${way})`, () => {
    dockerIt(
      "run: stdout, stderr and exit codes (own code, 127 not found, 126 cannot invoke)",
      async () => {
        const cases: string[][] = [
          [
            "run",
            "--rm",
            "--network",
            "none",
            "-v",
            `${dataFile}:/data:ro`,
            IMAGE,
            "sh",
            "-c",
            "cat /data; head -c 1000 /data >&2; exit 3",
          ],
          [
            "run",
            "--rm",
            "--network",
            "none",
            IMAGE,
            "sh",
            "-c",
            "for i in 1 2 3; do echo out$i; echo err$i >&2; done",
          ],
          [
            "run",
            "--rm",
            "-t",
            "--network",
            "none",
            IMAGE,
            "sh",
            "-c",
            "printf 'tty\\n'; echo err >&2; exit 2",
          ],
          ["run", "--rm", "--network", "none", IMAGE, "true"],
          ["run", "--rm", "--network", "none", IMAGE, "false"],
        ];
        for (const args of cases) {
          const { reference, ours } = await bothWays(way, args);
          assert.equal(ours.code, reference.code, args.join(" "));
          assert.ok(ours.stdout.equals(reference.stdout), `stdout differs for ${args.join(" ")}`);
          assert.ok(ours.stderr.equals(reference.stderr), `stderr differs for ${args.join(" ")}`);
        }
        for (
          const [args, status] of [[
            ["run", "--rm", "--network", "none", IMAGE, "no-such-command"],
            127,
          ], [["run", "--rm", "--network", "none", IMAGE, "/bin/not-executable"], 126]] as const
        ) {
          const { reference, ours } = await bothWays(way, [...args]);
          assert.equal(reference.code, status);
          assert.equal(ours.code, status, ours.stderr.toString());
          assert.equal(ours.stdout.byteLength, 0);
        }
      },
    );

    dockerIt(
      "version: the server's sections, its JSON and templates read as the CLI's",
      async () => {
        const { reference, ours } = await bothWays(way, ["version"]);
        const server = (text: string) => text.slice(text.indexOf("\nServer:"));
        assert.equal(ours.code, 0);
        assert.equal(server(ours.stdout.toString()), server(reference.stdout.toString()));
        for (
          const format of [
            "{{json .Server}}",
            '{{range .Server.Components}}{{.Name}}={{index .Details "BuildTime"}};{{end}}',
            "{{.Server.APIVersion}} {{.Server.Platform}} {{.Nope}}",
            // text/template's escapers, on text that needs each of their escapes.
            `{{html "<a href='x'>&" 1 2}}|{{js "it's <b>= \\\\ é\u00a0\u0001"}}|{{urlquery "a b&c/d~!*()é" .Server.Os}}`,
          ]
        ) {
          const { reference, ours } = await bothWays(way, ["version", "--format", format]);
          assert.equal(ours.code, reference.code, format);
          assert.equal(ours.stdout.toString(), reference.stdout.toString(), format);
          assert.equal(
            ours.stderr.toString().replace(/^ipcat: /, ""),
            reference.stderr.toString(),
            format,
          );
        }
      },
    );

    dockerIt(
      "ps -a -q (short and --no-trunc) and the stable fields of ps --format json",
      async () => {
        const name = track(uniqueName(`ps-${way}`));
        await ipcatDocker(way, [
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
          "echo a rather long command line here",
        ]);
        for (const args of [["ps", "-a", "-q"], ["ps", "-a", "-q", "--no-trunc"]]) {
          const { reference, ours } = await bothWays(way, args);
          assert.equal(ours.stdout.toString(), reference.stdout.toString(), args.join(" "));
        }
        const { reference, ours } = await bothWays(way, ["ps", "-a", "--format", "json"]);
        const rows = (text: Buffer) =>
          text.toString().trim().split("\n").map((line) => JSON.parse(line)).find((r) =>
            r.Names === name
          );
        const stable = ["Command", "CreatedAt", "ID", "Image", "Labels", "Names", "Ports", "State"];
        const pick = (row: Record<string, string>) =>
          Object.fromEntries(stable.map((k) => [k, row[k]]));
        assert.deepEqual(pick(rows(ours.stdout)), pick(rows(reference.stdout)));
      },
    );

    dockerIt("run -i: binary stdin through cat, and -it refused without a terminal", async () => {
      const { reference, ours } = await bothWays(way, [
        "run",
        "--rm",
        "-i",
        "--network",
        "none",
        IMAGE,
        "cat",
      ], { stdin: data });
      assert.equal(ours.code, reference.code);
      assert.ok(ours.stdout.equals(reference.stdout) && ours.stdout.equals(data));
      const tty = await bothWays(way, ["run", "--rm", "-it", "--network", "none", IMAGE, "true"], {
        stdin: "",
      });
      assert.equal(ours.code, reference.code);
      assert.equal(tty.ours.code, tty.reference.code);
      assert.match(tty.ours.stderr.toString(), /^ipcat: the input device is not a TTY/);
    });

    dockerIt("create: the same container configuration as the CLI for -i, -t, -it", async () => {
      for (const flags of [[], ["-i"], ["-t"], ["-it"]]) {
        const theirs = track(uniqueName(`cfg-cli-${way}`));
        const mine = track(uniqueName(`cfg-ipcat-${way}`));
        await runBytes([
          ...DOCKER_CLI,
          "create",
          ...flags,
          "--name",
          theirs,
          "--network",
          "none",
          IMAGE,
          "true",
        ]);
        await ipcatDocker(way, [
          "create",
          ...flags,
          "--name",
          mine,
          "--network",
          "none",
          IMAGE,
          "true",
        ]);
        const pick = async (name: string) => {
          const config = JSON.parse((await ipcatDocker(way, ["inspect", name])).stdout)[0].Config;
          return [
            config.AttachStdin,
            config.AttachStdout,
            config.AttachStderr,
            config.Tty,
            config.OpenStdin,
            config.StdinOnce,
          ];
        };
        assert.deepEqual(await pick(mine), await pick(theirs), `create ${flags.join(" ")}`);
      }
    });

    dockerIt("logs, inspect, wait, start -a and exec print what the CLI prints", async () => {
      const name = track(uniqueName(`cmp-${way}`));
      await ipcatDocker(way, [
        "run",
        "--name",
        name,
        "--network",
        "none",
        IMAGE,
        "sh",
        "-c",
        "echo one; echo two >&2; echo three; exit 5",
      ]);
      for (
        const args of [
          ["logs", name],
          ["logs", "--tail", "1", name],
          ["logs", "--timestamps", name],
          ["inspect", name],
          ["wait", name],
          ["start", "-a", name],
        ]
      ) {
        const { reference, ours } = await bothWays(way, args);
        assert.equal(ours.code, reference.code, args.join(" "));
        assert.ok(
          ours.stdout.equals(reference.stdout),
          `stdout differs for ${args.join(" ")}:\n${ours.stdout}\n---\n${reference.stdout}`,
        );
        assert.ok(ours.stderr.equals(reference.stderr), `stderr differs for ${args.join(" ")}`);
      }
      const running = track(uniqueName(`cmpx-${way}`));
      await ipcatDocker(way, [
        "run",
        "-d",
        "--name",
        running,
        "--network",
        "none",
        IMAGE,
        "sleep",
        "60",
      ]);
      for (
        const args of [
          ["exec", running, "sh", "-c", "echo x; echo y >&2; exit 13"],
          ["exec", "-t", running, "sh", "-c", "echo x; echo y >&2"],
          [
            "exec",
            "-e",
            "A=b",
            "-w",
            "/tmp",
            "-u",
            "65534",
            running,
            "sh",
            "-c",
            "echo $A $(pwd) $(id -u)",
          ],
          ["exec", running, "no-such-command"],
        ]
      ) {
        const { reference, ours } = await bothWays(way, args);
        assert.equal(ours.code, reference.code, args.join(" "));
        assert.ok(
          ours.stdout.equals(reference.stdout),
          `stdout differs for ${args.join(" ")}:\n${ours.stdout}\n---\n${reference.stdout}`,
        );
        assert.ok(
          ours.stderr.equals(reference.stderr),
          `stderr differs for ${args.join(" ")}:\n${ours.stderr}\n---\n${reference.stderr}`,
        );
      }
      const piped = await bothWays(way, ["exec", "-i", running, "cat"], { stdin: data });
      assert.ok(piped.ours.stdout.equals(piped.reference.stdout));

      const tty = track(uniqueName(`cmpt-${way}`));
      await ipcatDocker(way, [
        "run",
        "-t",
        "--name",
        tty,
        "--network",
        "none",
        IMAGE,
        "sh",
        "-c",
        "echo out; echo err >&2",
      ]);
      const logs = await bothWays(way, ["logs", tty]);
      assert.ok(
        logs.ours.stdout.equals(logs.reference.stdout) &&
          logs.ours.stdout.toString() === "out\r\nerr\r\n",
        "TTY logs pass through raw",
      );
    });
  });
}
