// Typed services through the CLI (compiled binary, Bun, Deno) against a library server in
// this process: `ipcat sock introspect` (readable, --json checked against its own JSON
// Schema, names only from a 1.1 server) and `ipcat sock call` to typed services
// (validation before sending, JSON lines, --timeout).
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import * as v from "valibot";
import {
  defineService,
  defineTopic,
  echoService,
  implement,
  IntrospectionSchema,
  serve,
  type Service,
  servicesService,
  type SockServer,
  TopicHub,
} from "../../src/sock/mod.ts";
import { schemaMismatch } from "../../src/sock/typed/json_schema.ts";
import { Greet, Wait } from "../fixtures/typed_services.ts";
import { exited, runCli, startCli, waitForOutput, waysToTest } from "../harness.ts";
import { until } from "../sock_support.ts";

const dir = mkdtempSync(join(tmpdir(), "ipcat-sock-typed-"));
const path = join(dir, "typed.sock");
const oldPath = join(dir, "old.sock");
const Count = defineService({
  name: "test.count",
  version: "0.3.0",
  open: v.object({ upTo: v.pipe(v.number(), v.integer(), v.minValue(0)) }),
  serverMessage: v.object({ n: v.number() }),
  result: v.object({ sent: v.number() }),
});
const JobDone = defineTopic({ name: "jobs.done", event: v.object({ id: v.number() }) });
const hub = new TopicHub([JobDone]);
let greetCalls = 0;
const aborts: unknown[] = [];
let server: SockServer;
let oldServer: SockServer;

before(async () => {
  const services: Record<string, Service> = {
    "ipcat.echo": echoService,
    [Greet.name]: implement(Greet, ({ input }) => {
      greetCalls++;
      return { greeting: `hello ${input.user.name}` };
    }),
    [Count.name]: implement(Count, async ({ input, send }) => {
      for (let n = 1; n <= input.upTo; n++) await send({ n });
      return { sent: input.upTo };
    }),
    [Wait.name]: implement(Wait, ({ signal }) =>
      new Promise<null>((resolve) => {
        signal.addEventListener("abort", () => {
          aborts.push(signal.reason);
          resolve(null);
        });
      })),
  };
  services["ipcat.subscribe"] = hub.service;
  services["ipcat.services"] = servicesService(services);
  server = await serve(path, { services });
  oldServer = await serve(oldPath, {
    services: {
      "ipcat.echo": echoService,
      "ipcat.services": servicesService(["ipcat.echo", "ipcat.services"]),
    },
    protocolMinor: 1,
  });
});
after(async () => {
  await server.close();
  await oldServer.close();
  rmSync(dir, { recursive: true, force: true });
});

for (const way of waysToTest()) {
  describe(`sock typed services (${way})`, () => {
    it("introspect prints each service's version and a summary of its messages", async () => {
      const r = await runCli(way, ["sock", "introspect", path]);
      assert.equal(r.code, 0, r.stderr);
      const has = (text: string) => assert.ok(r.stdout.includes(text), r.stdout);
      has("test.greet 1.0.0\n  open: { user: { name: string } }\n  result: { greeting: string }\n");
      has("test.count 0.3.0\n  open: { upTo: integer }\n  serverMessage: { n: number }\n");
      assert.match(r.stdout, /^ipcat\.echo 1\.0 \(raw messages\)$/m);
      const one = await runCli(way, ["sock", "introspect", path, "test.count"]);
      assert.equal(one.stdout.split("\n")[0], "test.count 0.3.0");
      assert.doesNotMatch(one.stdout, /test\.greet/);
    });

    it("introspect --json matches its own published JSON Schema", async () => {
      const r = await runCli(way, ["sock", "introspect", path, "--json"]);
      assert.equal(r.code, 0, r.stderr);
      const answer = JSON.parse(r.stdout);
      v.parse(IntrospectionSchema, answer);
      const self = answer.services.find((s: { name: string }) => s.name === "ipcat.services");
      const resultSchema = self.schemas.result;
      assert.equal(schemaMismatch(resultSchema, answer), null);
      // The same check fails on a broken answer: it is not vacuous.
      const broken = structuredClone(answer);
      broken.services[0].envelope = "sideways";
      assert.equal(schemaMismatch(resultSchema, broken)?.path, "services.0.envelope");
      const greet = answer.services.find((s: { name: string }) => s.name === "test.greet");
      assert.equal(schemaMismatch(greet.schemas.open, { user: { name: 7 } })?.path, "user.name");
    });

    it("introspect against a 1.1 server lists names and says schemas need 1.2", async () => {
      const r = await runCli(way, ["sock", "introspect", oldPath]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, "ipcat.echo\nipcat.services\n");
      assert.match(r.stderr, /protocol 1\.1: names only \(schemas need protocol 1\.2 or later\)/);
      const json = await runCli(way, ["sock", "introspect", oldPath, "--json"]);
      assert.deepEqual(JSON.parse(json.stdout).services.map((s: { name: string }) => s.name), [
        "ipcat.echo",
        "ipcat.services",
      ]);
    });

    it("call sends JSON to a typed service and prints the replies as JSON lines", async () => {
      const r = await runCli(way, [
        "sock",
        "call",
        path,
        "test.greet",
        "--json",
        '{"user":{"name":"ada"}}',
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, '{"result":{"greeting":"hello ada"}}\n');
      const count = await runCli(way, ["sock", "call", path, "test.count", '{"upTo":3}']);
      assert.equal(count.code, 0, count.stderr);
      assert.equal(
        count.stdout,
        '{"message":{"n":1}}\n{"message":{"n":2}}\n{"message":{"n":3}}\n{"result":{"sent":3}}\n',
      );
    });

    it("call refuses input that fails the remote schema: exit 2, the field path, nothing sent", async () => {
      const before = greetCalls;
      const r = await runCli(way, [
        "sock",
        "call",
        path,
        "test.greet",
        "--json",
        '{"user":{"name":7}}',
      ]);
      assert.equal(r.code, 2);
      assert.match(
        r.stderr,
        /test\.greet: invalid opening message at user\.name: expected string, got integer; nothing was sent/,
      );
      assert.equal(r.stderr.split("\n").filter(Boolean).length <= 2, true, r.stderr);
      const notJson = await runCli(way, ["sock", "call", path, "test.greet", "{user"]);
      assert.equal(notJson.code, 2);
      assert.match(notJson.stderr, /test\.greet takes JSON/);
      // The schema's own refinements that JSON Schema carries are checked too.
      const negative = await runCli(way, ["sock", "call", path, "test.count", '{"upTo":-1}']);
      assert.equal(negative.code, 2);
      assert.match(negative.stderr, /at upTo: expected at least 0/);
      assert.equal(greetCalls, before);
    });

    it("call --timeout sends the deadline: exit 6, and the service's signal aborts", async () => {
      const before = aborts.length;
      const r = await runCli(way, ["sock", "call", path, "test.wait", "{}", "--timeout", "100ms"]);
      assert.equal(r.code, 6, r.stderr);
      assert.match(r.stderr, /deadline/);
      await until(() => aborts.length === before + 1, "the service's abort");
    });

    it("subscribe prints each event as a JSON line until a signal stops it", async () => {
      const child = startCli(way, ["sock", "subscribe", path, "jobs.done", "--json"]);
      let stdout = "";
      child.stdout!.on("data", (c: Buffer) => (stdout += c.toString()));
      await until(() => hub.subscriberCount(JobDone) === 1, "the CLI's subscription");
      hub.publish(JobDone, { id: 1 });
      hub.publish(JobDone, { id: 2 });
      await waitForOutput(child, '"id":2');
      child.kill("SIGINT");
      assert.deepEqual(await exited(child), { code: 130, signal: null });
      assert.equal(stdout, '{"event":{"id":1},"dropped":0}\n{"event":{"id":2},"dropped":0}\n');
      await until(() => hub.subscriberCount(JobDone) === 0, "the subscription's end");
      const unknown = await runCli(way, ["sock", "subscribe", path, "no.topic"]);
      assert.equal(unknown.code, 3);
      assert.match(unknown.stderr, /no topic named no\.topic/);
    });

    it("serve --log json writes one JSON object per event", async () => {
      const jsonPath = join(dir, `json-${way}.sock`);
      const child = startCli(way, ["sock", "serve", "--log", "json", jsonPath]);
      let stderr = "";
      child.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
      await waitForOutput(child, '"message":"serving ');
      const r = await runCli(way, ["sock", "call", jsonPath, "ipcat.echo", "hello"]);
      assert.equal(r.stdout, "hello");
      await until(() => stderr.includes('"event":"client_disconnected"'), "the disconnect");
      child.kill("SIGTERM");
      assert.equal((await exited(child)).code, 143);
      const events = stderr.trim().split("\n").map((line) => JSON.parse(line));
      assert.ok(events.every((e) => typeof e.time === "string" && typeof e.event === "string"));
      const ended = events.find((e) => e.event === "channel_ended" && e.service === "ipcat.echo");
      assert.equal(ended.name, "ok");
      assert.equal(ended.bytes_in, 5);
      assert.equal(ended.bytes_out, 5);
      assert.equal(typeof ended.duration_ms, "number");
      assert.ok(events.some((e) => e.event === "client_connected" && e.protocol === "1.3"));
    });
  });
}
