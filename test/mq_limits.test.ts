// `ipcat mq limits`: the kernel's limits and the RLIMIT_MSGQUEUE budget, checked against
// what the kernel then allows: as many queues as it says fit are made, the next one fails
// with EMFILE, and that error points to `ipcat mq limits`.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import process from "node:process";
import { describe, it } from "node:test";
import { cliCommand, hasCommand, runCli, runProcess, waysToTest } from "./harness.ts";

const canIsolate = process.getuid?.() === 0 && hasCommand("unshare") && hasCommand("setpriv") &&
  hasCommand("prlimit") && existsSync(cliCommand("binary")[0]!);

for (const way of waysToTest()) {
  describe(`mq limits (${way})`, () => {
    it("reports the /proc/sys/fs/mqueue limits and RLIMIT_MSGQUEUE", async () => {
      const r = await runCli(way, ["mq", "limits", "--json"]);
      assert.equal(r.code, 0, r.stderr);
      const report = JSON.parse(r.stdout);
      for (
        const name of ["msg_max", "msgsize_max", "queues_max", "msg_default", "msgsize_default"]
      ) {
        assert.equal(
          report[name],
          Number(readFileSync(`/proc/sys/fs/mqueue/${name}`, "utf8")),
          name,
        );
      }
      const line = readFileSync("/proc/self/limits", "utf8").split("\n").find((l) =>
        l.startsWith("Max msgqueue size")
      )!;
      assert.equal(report.rlimit_msgqueue, Number(line.split(/\s+/)[3]));
      const table = await runCli(way, ["mq", "limits"]);
      assert.match(table.stdout, /^msg_max\s+\d+ messages \(default \d+\)$/m);
      assert.match(table.stdout, /^left\s+\d+ bytes$/m);
    });

    it("says how many more queues fit, and the kernel agrees (own uid, namespace and budget)", {
      skip: !canIsolate,
    }, async () => {
      // A fresh IPC namespace with its own mqueue view, a uid nothing else uses here, and a
      // budget of its own: nobody else's queues count.
      const r = await runProcess([
        "unshare",
        "--ipc",
        "--mount",
        "--propagation",
        "private",
        "sh",
        "-c",
        `mount -t mqueue none /dev/mqueue && exec setpriv --reuid=65532 --regid=65532 --clear-groups prlimit --msgqueue=300000 sh -c '
          "$@" mq limits --maxmsg 10 --msgsize 8192 --json || exit 1
          i=0; while "$@" mq create /fit$i --maxmsg 10 --msgsize 8192; do i=$((i+1)); done; echo "made $i"
          "$@" mq limits --maxmsg 10 --msgsize 8192 --json' sh "$@"`,
        "sh",
        ...cliCommand(way),
      ]);
      const [json, made, spent] = r.stdout.trim().split("\n");
      const report = JSON.parse(json!);
      assert.equal(report.rlimit_msgqueue, 300000);
      assert.deepEqual(report.fit, {
        maxmsg: 10,
        msgsize: 8192,
        bytes: 82880,
        more: 3,
        why: "RLIMIT_MSGQUEUE bytes left",
      });
      assert.equal(made, `made ${report.fit.more}`, "exactly as many as it said");
      assert.match(r.stderr, /queues' bytes exceed RLIMIT_MSGQUEUE \(see 'ipcat mq limits'/);
      const after = JSON.parse(spent!);
      assert.equal(
        after.used_estimate,
        3 * 82880,
        "the three queues it made, by the kernel's formula",
      );
      assert.equal(after.fit.more, 0);
    });
  });
}
