// `docker search`: against a fake Engine API that answers /images/search with results
// chosen to exercise the output (long, multi-line and wide descriptions, official or
// not), ipcat and the real docker CLI print the same bytes and send the daemon the same
// query; against the suite's dockerd, which cannot reach any index here, both fail the
// same way with the daemon's message.
import assert from "node:assert/strict";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import http from "node:http";
import { after, before, describe, it } from "node:test";
import { runCli, runProcess, tempName, waysToTest } from "../harness.ts";
import { DOCKER_HOST, dockerCli, dockerIt, ipcatDocker } from "../docker_env.ts";

const RESULTS = [
  {
    name: "busybox",
    description: "Busybox base image.",
    star_count: 3409,
    is_official: true,
    is_automated: false,
  },
  {
    name: "someone/busybox-tools",
    description: "A very long description that goes on and on, past the forty-five characters",
    star_count: 12,
    is_official: false,
    is_automated: false,
  },
  {
    name: "other/multi",
    description: "first line\nsecond line\r\nthird",
    star_count: 0,
    is_official: false,
    is_automated: true,
  },
];

/** One search request as the fake daemon saw it. */
interface SeenSearch {
  term: string | null;
  limit: string | null;
  filters: Record<string, string[]>;
  auth: string | undefined;
}

const socket = tempName("ipcat-fake-search") + ".sock";
const seen: SeenSearch[] = [];
/** Filters in either JSON form the daemon takes: `{"k":["v"]}` or the CLI's `{"k":{"v":true}}`. */
function normalFilters(text: string | null): Record<string, string[]> {
  const parsed = JSON.parse(text ?? "{}") as Record<string, string[] | Record<string, boolean>>;
  return Object.fromEntries(
    Object.entries(parsed).map(([key, value]) => [
      key,
      (Array.isArray(value) ? value : Object.keys(value)).sort(),
    ]),
  );
}
const fake = http.createServer((req, res) => {
  const url = new URL(req.url!, "http://fake");
  if (url.pathname === "/_ping") {
    res.writeHead(200, { "Api-Version": "1.43", OSType: "linux", "Content-Type": "text/plain" });
    res.end(req.method === "HEAD" ? undefined : "OK");
    return;
  }
  if (/^\/v[\d.]+\/images\/search$/.test(url.pathname)) {
    seen.push({
      term: url.searchParams.get("term"),
      limit: url.searchParams.get("limit"),
      filters: normalFilters(url.searchParams.get("filters")),
      auth: req.headers["x-registry-auth"] as string | undefined,
    });
    const limit = Number(url.searchParams.get("limit") ?? 25);
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end(JSON.stringify(RESULTS.slice(0, limit)));
    return;
  }
  res.writeHead(404, { "Content-Type": "application/json" });
  res.end(JSON.stringify({ message: `page not found: ${url.pathname}` }));
});

// A config with credentials for one registry: its searches carry them, others carry none.
const config = tempName("ipcat-search-config");
mkdirSync(config, { recursive: true });
writeFileSync(
  join(config, "config.json"),
  JSON.stringify({ auths: { "registry.local:5000": { auth: btoa("searcher:s3cret") } } }),
);

before(() => new Promise<void>((resolve) => fake.listen(socket, resolve)));
after(() => {
  fake.close();
  rmSync(socket, { force: true });
  rmSync(config, { recursive: true, force: true });
});

const CASES: string[][] = [
  ["search", "busybox"],
  ["search", "--no-trunc", "busybox"],
  ["search", "--format", "json", "busybox"],
  ["search", "--format", "{{.Name}}: {{.IsOfficial}} {{.StarCount}}", "busybox"],
  ["search", "--format", "table {{.Name}}\\t{{.StarCount}}", "busybox"],
  ["search", "--limit", "2", "-f", "is-official=true", "-f", "stars=3", "busybox"],
  ["search", "registry.local:5000/tools"],
  ["search", "other.local:5000/tools"],
];

for (const way of waysToTest()) {
  describe(`docker search (${way})`, () => {
    for (const args of CASES) {
      it(`prints what the docker CLI prints and asks the same: ${args.slice(1).join(" ")}`, async () => {
        const env = { DOCKER_HOST: `unix://${socket}`, DOCKER_CONFIG: config };
        seen.length = 0;
        const cli = await runProcess(["docker", ...args], { env });
        const ours = await runCli(way, ["docker", ...args], { env });
        assert.equal(cli.code, 0, cli.stderr);
        assert.equal(ours.code, 0, ours.stderr);
        assert.equal(ours.stdout, cli.stdout);
        assert.equal(seen.length, 2, "one search from each");
        assert.deepEqual(seen[1], seen[0]);
        if (args.at(-1)!.startsWith("registry.local:5000/")) {
          assert.match(atob(seen[0]!.auth!.replaceAll("-", "+").replaceAll("_", "/")), /s3cret/);
        }
      });
    }
  });

  describe(`docker search against a daemon with no index in reach (${way})`, () => {
    dockerIt("fails as the CLI does, with the daemon's message and status 1", async () => {
      // Neither reaches out past loopback (a name lookup could take any time on CI): the
      // daemon refuses the limit itself, and the registry on port 1 refuses the connection.
      for (const args of [["search", "--limit", "200", "x"], ["search", "127.0.0.1:1/tools"]]) {
        const cli = await dockerCli(args);
        const ours = await ipcatDocker(way, args);
        assert.equal(cli.code, 1, cli.stderr);
        assert.equal(ours.code, 1, ours.stderr);
        assert.equal(ours.stdout, "");
        assert.equal(ours.stderr, `ipcat: ${cli.stderr}`, `DOCKER_HOST=${DOCKER_HOST}`);
      }
    });
  });
}
