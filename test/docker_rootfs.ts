/**
 * A root file system tar for test and benchmark images: Debian's busybox-static with one
 * symlink per applet, `/etc/passwd`, `/tmp`, and a non-executable file (for exit 126).
 *
 * @module
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempName } from "./harness.ts";

/** Where busybox-static installs its binary. */
export const BUSYBOX = "/bin/busybox";

/** A tar of a root file system: busybox-static plus one symlink per applet, and /etc/passwd. */
export function busyboxRootfsTar(): string {
  const root = tempName("ipcat-rootfs");
  mkdirSync(join(root, "bin"), { recursive: true });
  mkdirSync(join(root, "etc"));
  mkdirSync(join(root, "tmp"));
  copyFileSync(BUSYBOX, join(root, "bin", "busybox"));
  for (const applet of execFileSync(BUSYBOX, ["--list"], { encoding: "utf8" }).split("\n").filter(Boolean)) {
    if (applet !== "busybox") symlinkSync("busybox", join(root, "bin", applet));
  }
  writeFileSync(join(root, "etc", "passwd"), "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n");
  writeFileSync(join(root, "bin", "not-executable"), "#!/bin/sh\necho never\n", { mode: 0o644 });
  const tar = `${root}.tar`;
  execFileSync("tar", ["-C", root, "-cf", tar, "."]);
  rmSync(root, { recursive: true, force: true });
  return tar;
}
