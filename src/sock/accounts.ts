/**
 * User and group names as `--owner`, `--group` and `--allow-gid` take them: a number, or
 * a name looked up in `/etc/passwd` / `/etc/group` (names served only by NSS modules such
 * as LDAP are not seen: give the number).
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { IpcatError } from "../errors.ts";

/** The id in field 3 of the `name:…` line of a passwd(5)/group(5) style text, if any. */
export function idInTable(table: string, name: string): number | undefined {
  for (const line of table.split("\n")) {
    const fields = line.split(":");
    if (fields[0] === name && fields.length >= 3 && /^\d+$/.test(fields[2]!)) {
      return Number(fields[2]);
    }
  }
  return undefined;
}

function resolve(spec: string, file: string, what: "user" | "group", option: string): number {
  if (/^\d+$/.test(spec)) return Number(spec);
  let table = "";
  try {
    table = readFileSync(file, "utf8");
  } catch {
    // no table: only numbers can be resolved
  }
  const id = idInTable(table, spec);
  if (id === undefined) {
    throw new IpcatError("not_found", `${option}: no ${what} named '${spec}' in ${file}`, {
      hint: `give the numeric ${what === "user" ? "uid" : "gid"} instead`,
    });
  }
  return id;
}

/** The uid of `--owner USER`. */
export function userId(spec: string): number {
  return resolve(spec, "/etc/passwd", "user", "--owner");
}

/** The gid of `--group GROUP` or `--allow-gid GROUP`. */
export function groupId(spec: string, option: string): number {
  return resolve(spec, "/etc/group", "group", option);
}
