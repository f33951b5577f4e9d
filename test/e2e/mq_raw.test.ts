// `ipcat mq` raw queue commands end to end: real kernel queues, the CLI as a subprocess in
// each way it runs (compiled binary, Bun, Deno), every kernel error with its one-line message.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import process from "node:process";
import { after, describe, it } from "node:test";
import {
  cliCommand,
  eventually,
  exited,
  hasCommand,
  runCli,
  runProcess,
  startCli,
  waitForOutput,
  waysToTest,
} from "../harness.ts";
import { openQueue, statQueue, unlinkQueue } from "../../src/mq/mod.ts";

const created = new Set<string>();
let counter = 0;
function freshName(way: string): string {
  const name = `/ipcat-raw-${process.pid}-${way}-${++counter}`;
  created.add(name);
  return name;
}
/** Removes every queue made so far: their bytes count against the user's RLIMIT_MSGQUEUE. */
function removeCreated(): void {
  for (const name of created) {
    try {
      unlinkQueue(name);
    } catch {
      // removed by the test itself
    }
  }
  created.clear();
}

const isRoot = process.getuid?.() === 0;

for (const way of waysToTest()) {
  describe(`mq raw commands (${way})`, () => {
    after(removeCreated);

    it("creates, stats, sends, receives and unlinks, with or without the leading slash", async () => {
      const name = freshName(way);
      let r = await runCli(way, [
        "mq",
        "create",
        name.slice(1),
        "--maxmsg",
        "5",
        "--msgsize",
        "100",
        "--mode",
        "0640",
      ]);
      assert.equal(r.code, 0, r.stderr);
      r = await runCli(way, ["mq", "send", name, "hello"]);
      assert.equal(r.code, 0, r.stderr);
      r = await runCli(way, ["mq", "stat", name.slice(1), "--json"]);
      assert.equal(r.code, 0, r.stderr);
      const info = JSON.parse(r.stdout);
      assert.equal(info.name, name);
      assert.equal(info.maxmsg, 5);
      assert.equal(info.msgsize, 100);
      assert.equal(info.curmsgs, 1);
      r = await runCli(way, ["mq", "stat", name]);
      assert.match(r.stdout, /^curmsgs\s+1$/m);
      r = await runCli(way, ["mq", "recv", name.slice(1)]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, "hello\n");
      r = await runCli(way, ["mq", "unlink", name.slice(1)]);
      assert.equal(r.code, 0, r.stderr);
      assert.throws(() => statQueue(name), /no queue named/);
    });

    it("lists queues with their counts and mode", async () => {
      const name = freshName(way);
      openQueue(name, { create: true, maxmsg: 3, msgsize: 64, mode: 0o640 }).close();
      const r = await runCli(way, ["mq", "ls", "--json"]);
      assert.equal(r.code, 0, r.stderr);
      const mine = (JSON.parse(r.stdout) as Array<Record<string, unknown>>).find((q) =>
        q.name === name
      );
      assert.deepEqual({ ...mine, uid: undefined, gid: undefined }, {
        name,
        maxmsg: 3,
        msgsize: 64,
        curmsgs: 0,
        bytes: 0,
        mode: "0640",
        uid: undefined,
        gid: undefined,
      });
      const table = await runCli(way, ["mq", "ls"]);
      assert.match(table.stdout, /^NAME\s+MSGS\s+MAXMSG\s+MSGSIZE\s+BYTES\s+MODE\s+OWNER$/m);
      assert.match(
        table.stdout,
        new RegExp(`^${name}\\s+0\\s+3\\s+64\\s+0\\s+0640\\s+\\d+:\\d+$`, "m"),
      );
    });

    it("sends each stdin line as a message, and the whole of stdin with --split none", async () => {
      const name = freshName(way);
      openQueue(name, { create: true, maxmsg: 10, msgsize: 64 }).close();
      let r = await runCli(way, ["mq", "send", name, "-"], { stdin: "a\nbb\n\nlast" });
      assert.equal(r.code, 0, r.stderr);
      r = await runCli(way, ["mq", "recv", name, "--count", "4", "--json"]);
      assert.deepEqual(r.stdout.trim().split("\n").map((l) => JSON.parse(l).data), [
        "a",
        "bb",
        "",
        "last",
      ]);
      r = await runCli(way, ["mq", "send", name, "--split", "none"], { stdin: "x\ny\n" });
      assert.equal(r.code, 0, r.stderr);
      r = await runCli(way, ["mq", "recv", name, "--json"]);
      assert.deepEqual({ ...JSON.parse(r.stdout), received: undefined }, {
        priority: 0,
        data: "x\ny\n",
        received: undefined,
      });
    });

    it("delivers by priority, FIFO within a priority, and keeps binary data lossless in --json", async () => {
      const name = freshName(way);
      openQueue(name, { create: true, maxmsg: 10, msgsize: 64 }).close();
      for (
        const [p, m] of [["1", "low-1"], ["9", "high-1"], ["1", "low-2"], ["9", "high-2"], [
          "5",
          "mid",
        ]] as const
      ) {
        const r = await runCli(way, ["mq", "send", name, m, "--priority", p]);
        assert.equal(r.code, 0, r.stderr);
      }
      const queue = openQueue(name, { access: "write" });
      const binary = new Uint8Array([0, 0xff, 0xfe, 10, 13, 0x80, 65]);
      queue.trySend(binary, 0);
      queue.close();
      const r = await runCli(way, ["mq", "recv", name, "-n", "6", "--json"]);
      assert.equal(r.code, 0, r.stderr);
      const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
      assert.deepEqual(lines.slice(0, 5).map(({ priority, data }) => ({ priority, data })), [
        { priority: 9, data: "high-1" },
        { priority: 9, data: "high-2" },
        { priority: 5, data: "mid" },
        { priority: 1, data: "low-1" },
        { priority: 1, data: "low-2" },
      ]);
      assert.equal(lines[5].encoding, "base64");
      assert.deepEqual(new Uint8Array(Buffer.from(lines[5].data, "base64")), binary);
    });

    it("EEXIST: creating an existing queue names it and the way out", async () => {
      const name = freshName(way);
      openQueue(name, { create: true }).close();
      const r = await runCli(way, ["mq", "create", name]);
      assert.equal(r.code, 4);
      assert.equal(
        r.stderr,
        `ipcat: queue ${name} already exists (use it as it is, or remove it first with 'ipcat mq unlink ${name}')\n`,
      );
      assert.equal((await runCli(way, ["mq", "create", name, "--exist-ok"])).code, 0);
    });

    it("ENOENT: a missing queue, for send, recv, stat and unlink", async () => {
      const name = freshName(way);
      for (const args of [["send", name, "x"], ["recv", name], ["stat", name], ["unlink", name]]) {
        const r = await runCli(way, ["mq", ...args]);
        assert.equal(r.code, 3, `${args[0]}: ${r.stderr}`);
        assert.match(r.stderr, new RegExp(`^ipcat: no queue named ${name} \\(.+\\)\\n$`));
      }
      assert.equal((await runCli(way, ["mq", "unlink", "-f", name])).code, 0);
      const r = await runCli(way, ["mq", "send", name, "made", "--create"]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(statQueue(name).curmsgs, 1);
    });

    it(
      "EACCES: a queue whose mode shuts the user out",
      { skip: !isRoot || !hasCommand("setpriv") },
      async () => {
        const name = freshName(way);
        openQueue(name, { create: true, mode: 0o600 }).close();
        const r = await runProcess([
          "setpriv",
          "--reuid=65534",
          "--regid=65534",
          "--clear-groups",
          "env",
          "HOME=/tmp",
          ...cliCommand(way),
          "mq",
          "send",
          name,
          "x",
        ]);
        assert.equal(r.code, 5, r.stderr);
        assert.match(
          r.stderr,
          new RegExp(`^ipcat: permission denied to open queue ${name} \\(.*mode.*\\)\\n$`),
        );
      },
    );

    it("EMSGSIZE: a message over msgsize names both sizes", async () => {
      const name = freshName(way);
      openQueue(name, { create: true, maxmsg: 2, msgsize: 16 }).close();
      const r = await runCli(way, ["mq", "send", name, "x".repeat(17)]);
      assert.equal(r.code, 9);
      assert.match(
        r.stderr,
        new RegExp(
          `^ipcat: message of 17 bytes is bigger than the msgsize of queue ${name} \\(16 bytes\\) \\(.*--msgsize.*\\)\\n$`,
        ),
      );
    });

    it("EAGAIN: full with --nonblock on send, empty with --nonblock on recv", async () => {
      const name = freshName(way);
      openQueue(name, { create: true, maxmsg: 1, msgsize: 16 }).close();
      assert.equal((await runCli(way, ["mq", "send", name, "one", "--nonblock"])).code, 0);
      let r = await runCli(way, ["mq", "send", name, "two", "--nonblock"]);
      assert.equal(r.code, 10);
      assert.match(
        r.stderr,
        new RegExp(`^ipcat: queue ${name} is full \\(1 messages\\) \\(.*\\)\\n$`),
      );
      r = await runCli(way, ["mq", "send", name, "two", "--timeout", "0.2"]);
      assert.equal(r.code, 6);
      assert.match(r.stderr, /stayed full for 0\.2 s/);
      assert.equal((await runCli(way, ["mq", "recv", name, "--nonblock"])).stdout, "one\n");
      r = await runCli(way, ["mq", "recv", name, "--nonblock"]);
      assert.equal(r.code, 10);
      assert.equal(
        r.stderr,
        `ipcat: queue ${name} is empty (drop --nonblock to wait for a message)\n`,
      );
      r = await runCli(way, ["mq", "recv", name, "--timeout", "250ms"]);
      assert.equal(r.code, 6);
      assert.match(r.stderr, /no message arrived on queue .* within 0\.25 s/);
    });

    it("EINVAL: attributes over the kernel limits name the /proc/sys/fs/mqueue files", async () => {
      const name = freshName(way);
      // Over the hard limit, which even root cannot pass.
      const r = await runCli(way, ["mq", "create", name, "--maxmsg", "100000"]);
      assert.equal(r.code, 9);
      assert.match(
        r.stderr,
        /^ipcat: queue attributes maxmsg 100000, msgsize \d+ for .* are over the kernel limits \(msg_max \d+ in \/proc\/sys\/fs\/mqueue\/msg_max, msgsize_max \d+ in \/proc\/sys\/fs\/mqueue\/msgsize_max\)/,
      );
    });

    it("EMFILE: queue bytes over RLIMIT_MSGQUEUE", { skip: !hasCommand("prlimit") }, async () => {
      const name = freshName(way);
      const r = await runProcess([
        "prlimit",
        "--msgqueue=1000",
        ...cliCommand(way),
        "mq",
        "create",
        name,
        "--maxmsg",
        "10",
        "--msgsize",
        "4096",
      ]);
      assert.equal(r.code, 9, r.stderr);
      assert.match(
        r.stderr,
        /^ipcat: cannot create queue .*: too many open descriptors, or your queues' bytes exceed RLIMIT_MSGQUEUE \(.*ulimit -q.*\)\n$/,
      );
    });

    it("ENOSPC: queues_max reached (own IPC namespace, without CAP_SYS_RESOURCE)", {
      skip: !isRoot || !hasCommand("unshare") || !hasCommand("setpriv"),
    }, async () => {
      const r = await runProcess([
        "unshare",
        "--ipc",
        "sh",
        "-c",
        `echo 0 > /proc/sys/fs/mqueue/queues_max && setpriv --bounding-set -sys_resource "$@" mq create /nospace`,
        "sh",
        ...cliCommand(way),
      ]);
      assert.equal(r.code, 9, r.stderr);
      assert.match(
        r.stderr,
        /^ipcat: cannot create queue \/nospace: the limit of 0 queues \(\/proc\/sys\/fs\/mqueue\/queues_max\) is reached \(.*\)\n$/,
      );
    });

    it("refuses bad names and bad option values with exit 2", async () => {
      let r = await runCli(way, ["mq", "create", "a/b"]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /queue name 'a\/b' has a '\/'/);
      r = await runCli(way, ["mq", "send", "q", "x", "--priority", "40000"]);
      assert.equal(r.code, 2);
      assert.match(
        r.stderr,
        /invalid --priority P: '40000' \(expected a whole number from 0 to 32767\)/,
      );
      r = await runCli(way, ["mq", "recv", "q", "--follow", "--count", "2"]);
      assert.equal(r.code, 2);
    });

    it("Ctrl-C stops a blocking recv at once; every message received is printed, none taken after", async () => {
      const name = freshName(way);
      const queue = openQueue(name, { create: true, maxmsg: 10, msgsize: 64 });
      for (const m of ["m1", "m2", "m3"]) queue.trySend(new TextEncoder().encode(m));
      const child = startCli(way, ["mq", "recv", name, "--follow"]);
      await waitForOutput(child, "m3\n");
      child.kill("SIGINT");
      const status = await exited(child);
      assert.equal(status.code, 130);
      queue.trySend(new TextEncoder().encode("after"));
      assert.equal(queue.attributes().curmsgs, 1, "the stopped receiver took nothing more");
      queue.close();
    });

    it("SIGHUP stops a recv --follow like SIGTERM: exit 129, what was received printed", async () => {
      const name = freshName(way);
      const queue = openQueue(name, { create: true, maxmsg: 10, msgsize: 64 });
      queue.trySend(new TextEncoder().encode("before"));
      const child = startCli(way, ["mq", "recv", name, "--follow"]);
      await waitForOutput(child, "before\n");
      child.kill("SIGHUP");
      assert.deepEqual(await exited(child), { code: 129, signal: null });
      queue.close();
    });

    it("Ctrl-C stops a recv that is waiting on an empty queue", async () => {
      const name = freshName(way);
      openQueue(name, { create: true, maxmsg: 10, msgsize: 64 }).close();
      const child = startCli(way, ["mq", "recv", name]);
      let out = "";
      child.stdout!.on("data", (c: Buffer) => (out += c));
      // The child holds the queue open once it is waiting on it.
      await eventually(() => queueOpenedBy(child.pid!, name), "the queue opened");
      child.kill("SIGINT");
      assert.equal((await exited(child)).code, 130);
      assert.equal(out, "");
    });

    it(
      "delivers 10,000 messages sent at three priorities by priority, FIFO within each, none lost",
      { skip: !isRoot || !hasCommand("unshare") },
      async () => {
        removeCreated();
        // The queue's bytes count against the user's RLIMIT_MSGQUEUE (819,200 by default), so
        // 2,500 messages at a time, four rounds; msg_max is raised in an IPC namespace of the
        // test's own.
        const counts = { 1: 834, 5: 833, 9: 833 } as const;
        const rounds = [1, 2, 3, 4];
        const script = `set -e
        echo 2500 > /proc/sys/fs/mqueue/msg_max
        "$@" mq create /prio --maxmsg 2500 --msgsize 16
        for round in ${rounds.join(" ")}; do
          for p in 1 5 9; do
            n=$(case $p in 1) echo ${counts[1]};; 5) echo ${counts[5]};; 9) echo ${
          counts[9]
        };; esac)
            seq -f "r$round-p$p-%.0f" 0 $((n - 1)) | "$@" mq send /prio - --priority $p &
          done
          wait
          "$@" mq stat /prio --json
          "$@" mq recv /prio --count 2500 --json
        done
        "$@" mq unlink /prio`;
        const r = await runProcess([
          "unshare",
          "--ipc",
          "sh",
          "-c",
          script,
          "sh",
          ...cliCommand(way),
        ]);
        assert.equal(r.code, 0, r.stderr);
        const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
        const expected: unknown[] = [];
        for (const round of rounds) {
          expected.push({ name: "/prio", maxmsg: 2500, msgsize: 16, curmsgs: 2500 });
          for (const p of [9, 5, 1] as const) {
            for (let i = 0; i < counts[p]; i++) {
              expected.push({ priority: p, data: `r${round}-p${p}-${i}` });
            }
          }
        }
        const stats = lines.filter((l) => "name" in l).map((
          { name, maxmsg, msgsize, curmsgs },
        ) => ({ name, maxmsg, msgsize, curmsgs }));
        const messages = lines.filter((l) => !("name" in l)).map(({ priority, data }) => ({
          priority,
          data,
        }));
        assert.deepEqual(stats, expected.filter((e) => "name" in (e as object)));
        assert.equal(messages.length, 10_000);
        assert.deepEqual(messages, expected.filter((e) => !("name" in (e as object))));
      },
    );

    it("Ctrl-C stops a send waiting on a full queue; nothing extra is queued", async () => {
      const name = freshName(way);
      const queue = openQueue(name, { create: true, maxmsg: 1, msgsize: 16 });
      queue.trySend(new TextEncoder().encode("first"));
      const child = startCli(way, ["mq", "send", name, "second"]);
      await eventually(() => queueOpenedBy(child.pid!, name), "the queue opened");
      child.kill("SIGINT");
      assert.equal((await exited(child)).code, 130);
      assert.equal(queue.attributes().curmsgs, 1);
      assert.equal(new TextDecoder().decode(queue.tryReceive()!.data), "first");
      queue.close();
    });

    it("moves 10,000 lines from 'send -' to 'recv --count' in order, none lost", async () => {
      const name = freshName(way);
      openQueue(name, { create: true, maxmsg: 10, msgsize: 64 }).close();
      const receiver = startCli(way, ["mq", "recv", name, "--count", "10000"]);
      const chunks: Buffer[] = [];
      receiver.stdout!.on("data", (c: Buffer) => chunks.push(c));
      const lines = Array.from({ length: 10_000 }, (_, i) => `message ${i}`);
      const sent = await runCli(way, ["mq", "send", name, "-"], { stdin: lines.join("\n") + "\n" });
      assert.equal(sent.code, 0, sent.stderr);
      assert.equal((await exited(receiver)).code, 0);
      assert.deepEqual(Buffer.concat(chunks).toString().split("\n").slice(0, -1), lines);
      assert.equal(statQueue(name).curmsgs, 0);
    });
  });
}

/** Whether process `pid` holds a descriptor of queue `name` (its /proc fd links name it). */
function queueOpenedBy(pid: number, name: string): boolean {
  const r = spawnSync("ls", ["-l", `/proc/${pid}/fd`], { encoding: "utf8" });
  return r.stdout.includes(`-> ${name}\n`);
}
