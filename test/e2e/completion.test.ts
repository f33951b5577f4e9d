// Shell completion, end to end: the scripts ipcat prints, loaded into real bash, zsh and
// fish, complete families, commands, options, choice values, queue names and paths.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { after, before, describe, it } from "node:test";
import { cliCommand, runCli, runProcess } from "../harness.ts";

const BINARY = cliCommand("binary")[0]!;
const has = (shell: string) => ["/usr/bin", "/bin"].some((d) => existsSync(join(d, shell)));
const dir = mkdtempSync(join(tmpdir(), "ipcat-completion-"));
const queue = `/ipcat-complete-${process.pid}`;

/**
 * What the completion function offers for the words typed so far (the last one being
 * completed). zsh calls it the way its bashcompinit does, through `compgen -F`; zsh's
 * own `compadd` then narrows the words to the prefix typed.
 */
async function bashComplete(script: string, words: string[], shell = "bash"): Promise<string[]> {
  const quotedWords = [BINARY, ...words].map((w) => `'${w}'`).join(" ");
  const call = shell === "zsh"
    ? `compgen -F _ipcat -- '${words.at(-1)}'`
    : `_ipcat; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const program = `source ${script}; COMP_WORDS=(${quotedWords}); ` +
    `COMP_CWORD=${words.length}; ${call}`;
  const r = await runProcess([shell, "-c", program], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.split("\n").filter(Boolean);
}

describe("shell completion", { skip: existsSync(BINARY) ? false : "no dist/ipcat" }, () => {
  const scripts: Record<string, string> = {};

  before(async () => {
    for (const shell of ["bash", "zsh", "fish"]) {
      const r = await runCli("binary", ["completion", shell]);
      assert.equal(r.code, 0, r.stderr);
      scripts[shell] = join(dir, `ipcat.${shell}`);
      writeFileSync(scripts[shell]!, r.stdout);
    }
    writeFileSync(join(dir, "app.sock.txt"), "");
    assert.equal((await runCli("binary", ["mq", "create", queue])).code, 0);
  });

  after(async () => {
    await runCli("binary", ["mq", "unlink", "-f", queue]);
    rmSync(dir, { recursive: true, force: true });
  });

  it("bash: families, commands, options and their values", async () => {
    const script = scripts.bash!;
    assert.deepEqual(await bashComplete(script, ["m"]), ["mq"]);
    assert.ok((await bashComplete(script, ["mq", "re"])).includes("recv"));
    assert.ok((await bashComplete(script, ["sock", "serve", "--max-c"])).includes("--max-clients"));
    assert.deepEqual(
      await bashComplete(script, ["docker", "run", "--rm", "-"]).then((w) =>
        w.includes("--interactive") && w.includes("-i")
      ),
      true,
    );
  });

  it("bash: queue names from the kernel and paths as files", async () => {
    const script = scripts.bash!;
    assert.deepEqual(await bashComplete(script, ["mq", "recv", "/ipcat-complete-"]), [queue]);
    assert.deepEqual(await bashComplete(script, ["sock", "connect", "app.s"]), ["app.sock.txt"]);
  });

  it("bash: a value option is not offered options", async () => {
    assert.deepEqual(await bashComplete(scripts.bash!, ["sock", "serve", "--mode", "-"]), []);
  });

  it(
    "zsh: the same words through bashcompinit",
    { skip: has("zsh") ? false : "no zsh" },
    async () => {
      const script = scripts.zsh!;
      assert.ok((await bashComplete(script, ["mq", "re"], "zsh")).includes("recv"));
      assert.deepEqual(await bashComplete(script, ["mq", "recv", "/ipcat-complete-"], "zsh"), [
        queue,
      ]);
    },
  );

  it("fish: commands with descriptions, options and queue names", {
    skip: has("fish") ? false : "no fish",
  }, () => {
    const complete = (line: string) =>
      execFileSync("fish", ["-c", `source ${scripts.fish}; complete -C '${line}'`], {
        encoding: "utf8",
        env: { ...process.env, PATH: `${join(BINARY, "..")}:${process.env.PATH}` },
      }).split("\n").filter(Boolean);
    assert.ok(complete("ipcat mq re").some((l) => /^recv\t/.test(l)));
    assert.ok(complete("ipcat sock serve --max-").some((l) => l.startsWith("--max-clients")));
    assert.ok(complete("ipcat mq recv /ipcat-complete-").includes(queue));
  });
});
