import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { humanDuration, indentJson, psRow } from "./format.ts";
import { resolveDockerHost } from "./host.ts";
import { startFailureStatus } from "./commands/shared.ts";

describe("docker output formats", () => {
  it("indents JSON like Go's json.Indent, keeping escapes and key order", () => {
    const raw = '{"b":"\\u003chtml\\u003e \\"q\\" ,:[]{}","a":[1,{"x":null}],"e":{},"l":[]}';
    assert.equal(
      indentJson(`[${raw}]`, "    "),
      [
        "[",
        "    {",
        '        "b": "\\u003chtml\\u003e \\"q\\" ,:[]{}",',
        '        "a": [',
        "            1,",
        "            {",
        '                "x": null',
        "            }",
        "        ],",
        '        "e": {},',
        '        "l": []',
        "    }",
        "]",
      ].join("\n"),
    );
  });

  it("words durations like docker's HumanDuration", () => {
    assert.deepEqual(
      [0.5, 1, 59, 60, 119, 120, 3599, 3600, 7200, 86400 * 3, 86400 * 20, 86400 * 90, 86400 * 800]
        .map(humanDuration),
      [
        "Less than a second",
        "1 second",
        "59 seconds",
        "About a minute",
        "About a minute",
        "2 minutes",
        "59 minutes",
        "About an hour",
        "2 hours",
        "3 days",
        "2 weeks",
        "3 months",
        "2 years",
      ],
    );
  });

  it("lays out ps rows like the CLI's tabwriter", () => {
    const row = psRow(
      {
        Id: "0123456789abcdef",
        Names: ["/web"],
        Image: "img",
        ImageID: "sha256:" + "ab".repeat(32),
        Command: "sh -c 'a very long command here'",
        Created: 100,
        State: "running",
        Status: "Up 5 seconds",
        Labels: { a: "b" },
        Ports: [{ PrivatePort: 80, PublicPort: 8080, IP: "0.0.0.0", Type: "tcp" }, {
          PrivatePort: 443,
          Type: "tcp",
        }],
        Mounts: [{ Name: "", Source: "/a/rather/long/host/path", Driver: "" }, {
          Name: "data",
          Source: "/var/lib/docker/volumes/data/_data",
          Driver: "local",
        }],
        NetworkSettings: { Networks: { none: {}, bridge: {} } },
        SizeRw: 2048,
        SizeRootFs: 1990656,
      },
      105,
      false,
    );
    assert.equal(row.ID, "0123456789ab");
    assert.equal(row.Command, '"sh -c \'a very long …"');
    assert.equal(row.RunningFor, "5 seconds ago");
    assert.equal(row.Labels, "a=b");
    assert.equal(row.Ports, "443/tcp, 0.0.0.0:8080->80/tcp");
    assert.equal(row.Mounts, "/a/rather/long…,data");
    assert.equal(row.LocalVolumes, "1");
    assert.equal(row.Networks, "bridge,none");
    assert.equal(row.Size, "2.05kB (virtual 1.99MB)");
  });
});

describe("DOCKER_HOST", () => {
  it("resolves unix and tcp endpoints and refuses other schemes", () => {
    assert.deepEqual(resolveDockerHost({}).target, { unix: "/var/run/docker.sock" });
    const tcp = resolveDockerHost({ DOCKER_HOST: "tcp://127.0.0.1:2375" });
    assert.equal(tcp.baseUrl, "http://127.0.0.1:2375");
    assert.throws(
      () => resolveDockerHost({ DOCKER_HOST: "ssh://x" }),
      /is not unix:\/\/\/PATH or tcp:\/\/HOST:PORT/,
    );
    assert.throws(
      () => resolveDockerHost({ DOCKER_HOST: "tcp://nohost" }),
      /DOCKER_HOST: endpoint/,
    );
  });

  it("reads TLS files from DOCKER_CERT_PATH when DOCKER_TLS_VERIFY is set", () => {
    assert.throws(
      () =>
        resolveDockerHost({
          DOCKER_HOST: "tcp://127.0.0.1:2376",
          DOCKER_TLS_VERIFY: "1",
          DOCKER_CERT_PATH: "/nonexistent-ipcat",
        }),
      /cannot read \/nonexistent-ipcat\/ca\.pem/,
    );
  });
});

describe("start failures", () => {
  it("map to the docker CLI's 127, 126 and 125", () => {
    assert.equal(startFailureStatus('exec: "x": executable file not found in $PATH: unknown'), 127);
    assert.equal(startFailureStatus('exec: "/etc/passwd": permission denied: unknown'), 126);
    assert.equal(startFailureStatus("something else"), 125);
  });
});
