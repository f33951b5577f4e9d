// Socket addresses as the kernel reads them: unix paths and abstract names, IPv4 and the
// written forms of IPv6, checked against node:net's BlockList on random addresses.
import assert from "node:assert/strict";
import { BlockList } from "node:net";
import { describe, it } from "node:test";
import fc from "fast-check";
import { inetAddress, unixAddress } from "./sockaddr.ts";

describe("sockaddr", () => {
  it("a path counts its NUL, an abstract name does not; over 107 bytes is ENAMETOOLONG", () => {
    assert.deepEqual([...unixAddress("/a")], [1, 0, 0x2f, 0x61, 0]);
    assert.deepEqual([...unixAddress("@a")], [1, 0, 0, 0x61]);
    assert.throws(() => unixAddress(`/${"x".repeat(107)}`), { code: "ENAMETOOLONG" });
  });

  it("IPv4: family, port and address in network order", () => {
    assert.deepEqual(
      [...inetAddress("10.1.2.3", 0x1f90)],
      [2, 0, 0x1f, 0x90, 10, 1, 2, 3, 0, 0, 0, 0, 0, 0, 0, 0],
    );
  });

  it("IPv6 in any written form: the 16 bytes node:net reads from it", () => {
    fc.assert(
      fc.property(fc.ipV6(), fc.integer({ min: 0, max: 65535 }), (address, port) => {
        const bytes = inetAddress(address, port);
        assert.equal(bytes.byteLength, 28);
        assert.deepEqual([bytes[0], bytes[1], bytes[2], bytes[3]], [10, 0, port >> 8, port & 0xff]);
        // node:net's BlockList compares address values, whatever their written form.
        const same = new BlockList();
        same.addAddress(address, "ipv6");
        const groups = Array.from(
          { length: 8 },
          (_, i) => ((bytes[8 + 2 * i]! << 8) | bytes[9 + 2 * i]!).toString(16),
        ).join(":");
        assert.ok(same.check(groups, "ipv6"), `${address} became ${groups}`);
      }),
    );
  });

  it("refuses a name: resolve it first", () => {
    assert.throws(() => inetAddress("localhost", 80), /not an IP address/);
  });
});
