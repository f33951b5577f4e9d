/**
 * `struct sockaddr_un`, `sockaddr_in` and `sockaddr_in6` as bytes, for connect(2) and
 * bind(2) through FFI (Linux layout: the family in host order, ports and addresses in
 * network order).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { inetAddress, unixAddress } from "./sockaddr.ts";
 * assert.deepEqual([...inetAddress("127.0.0.1", 80).subarray(0, 8)], [2, 0, 0, 80, 127, 0, 0, 1]);
 * assert.equal(unixAddress("@x").length, 4);
 * assert.equal(unixAddress("/a").length, 5);
 * ```
 *
 * @module
 */
import { isIPv4, isIPv6 } from "node:net";
import { AF_INET, AF_INET6, AF_UNIX } from "./flags.ts";

/** The longest unix socket path the kernel takes (`sun_path` less its NUL). */
const MAX_UNIX_PATH = 107;

/**
 * The `sockaddr_un` of `path` (`@name`: the abstract namespace), exactly as long as
 * connect(2) and bind(2) are to be told: an abstract name counts to its last byte, a path
 * includes its terminating NUL. Throws an error with code `ENAMETOOLONG` past the limit.
 */
export function unixAddress(path: string): Uint8Array {
  const abstract = path.startsWith("@");
  const name = new TextEncoder().encode(abstract ? `\0${path.slice(1)}` : path);
  if (name.byteLength > MAX_UNIX_PATH) {
    throw Object.assign(new Error(`socket path too long: ${path}`), { code: "ENAMETOOLONG" });
  }
  const bytes = new Uint8Array(2 + name.byteLength + (abstract ? 0 : 1));
  bytes[0] = AF_UNIX;
  bytes.set(name, 2);
  return bytes;
}

/** The 16 bytes of an IPv6 address in any of its written forms (`::1`, `fe80::1`, `::ffff:1.2.3.4`). */
function ipv6Bytes(address: string): Uint8Array {
  let text = address;
  const bytes = new Uint8Array(16);
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const four = dotted[1]!.split(".").map(Number);
    bytes.set(four, 12);
    text = `${text.slice(0, dotted.index)}0:0`;
  }
  const [head, tail] = text.includes("::") ? text.split("::") : [text, undefined];
  const groups = (part: string | undefined) =>
    part ? part.split(":").map((g) => parseInt(g, 16)) : [];
  const front = groups(head);
  const back = groups(tail);
  const all = tail === undefined
    ? front
    : [...front, ...new Array(8 - front.length - back.length).fill(0), ...back];
  all.forEach((group, i) => {
    if (dotted && i >= 6) return;
    bytes[2 * i] = group >> 8;
    bytes[2 * i + 1] = group & 0xff;
  });
  return bytes;
}

/**
 * The `sockaddr_in` (16 bytes) or `sockaddr_in6` (28 bytes) of a literal IPv4 or IPv6
 * address and a port. Throws on anything else: resolve names first.
 */
export function inetAddress(address: string, port: number): Uint8Array {
  if (isIPv4(address)) {
    const bytes = new Uint8Array(16);
    bytes[0] = AF_INET;
    bytes[2] = port >> 8;
    bytes[3] = port & 0xff;
    bytes.set(address.split(".").map(Number), 4);
    return bytes;
  }
  if (isIPv6(address)) {
    const bytes = new Uint8Array(28);
    bytes[0] = AF_INET6;
    bytes[2] = port >> 8;
    bytes[3] = port & 0xff;
    bytes.set(ipv6Bytes(address.replace(/%.*$/, "")), 8);
    return bytes;
  }
  throw new Error(`not an IP address: ${address}`);
}
