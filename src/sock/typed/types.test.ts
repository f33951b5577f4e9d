// Type-level tests of typed services: `tsc --noEmit` (run before every commit) fails when
// a line marked @ts-expect-error stops being an error, that is when a wrong message type
// would be accepted. The functions are type-checked, never called.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { SockClient } from "../client.ts";
import { implement } from "./implement.ts";
import { Greet, Sum } from "../../../test/fixtures/typed_services.ts";

export function clientSide(client: SockClient): void {
  void client.call(Greet, { user: { name: "ada" } }).then((r) => r.greeting.toUpperCase());
  // @ts-expect-error: the opening message needs `user`
  void client.call(Greet, { name: "ada" });
  // @ts-expect-error: `user.name` is a string
  void client.call(Greet, { user: { name: 1 } });
  // @ts-expect-error: the result has no `total`
  void client.call(Greet, { user: { name: "ada" } }).then((r) => r.total);

  const sum = client.stream(Sum, { label: "x" });
  void sum.send({ n: 1 });
  // @ts-expect-error: client messages carry a number `n`
  void sum.send({ n: "1" });
  // @ts-expect-error: an iterator of the wrong messages
  void sum.sendAll([{ total: 1 }]);
  void (async () => {
    for await (const update of sum) {
      const total: number = update.runningTotal;
      // @ts-expect-error: server messages have no `n`
      void update.n;
      void total;
    }
    const result = await sum.result;
    const count: number = result.count;
    void count;
  })();
}

export const serverSide = [
  implement(Greet, ({ input }) => ({ greeting: `hello ${input.user.name}` })),
  // @ts-expect-error: the result must be `{ greeting: string }`
  implement(Greet, () => ({ greeting: 42 })),
  implement(Sum, async ({ input, messages, send }) => {
    let total = 0;
    let count = 0;
    for await (const { n } of messages) {
      total += n;
      count++;
      await send({ runningTotal: total });
      // @ts-expect-error: server messages carry `runningTotal`
      await send({ total });
    }
    return { label: input.label, total, count };
  }),
];

describe("typed service types", () => {
  it("the definitions keep their names and versions", () => {
    assert.equal(Greet.name, "test.greet");
    assert.equal(Sum.version, "2.1.0");
    assert.equal(serverSide.length, 3);
  });
});
