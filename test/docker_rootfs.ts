/**
 * The root file system tar of the docker tests' and benchmarks' image: busybox alone, built
 * by the same `scripts/rootfs.sh` as the scenario and demo images, plus a non-executable
 * file so that exit 126 can be tested.
 *
 * @module
 */
import { execFileSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, tempName } from "./harness.ts";

/** Where busybox-static installs its binary. */
export const BUSYBOX = "/bin/busybox";

/** Builds the tar and returns its path; the caller removes it. */
export function busyboxRootfsTar(): string {
  const notExecutable = tempName("ipcat-not-executable");
  writeFileSync(notExecutable, "#!/bin/sh\necho never\n", { mode: 0o644 });
  const tar = `${tempName("ipcat-rootfs")}.tar`;
  try {
    execFileSync(join(ROOT, "scripts", "rootfs.sh"), [
      tar,
      "--no-ipcat",
      "--add",
      `${notExecutable}=/bin/not-executable`,
    ], { stdio: ["ignore", "ignore", "inherit"] });
  } finally {
    rmSync(notExecutable, { force: true });
  }
  return tar;
}
