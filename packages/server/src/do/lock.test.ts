import { describe, expect, test } from "vitest";
import { Lock } from "./lock.js";

const tick = () => new Promise((r) => setTimeout(r, 1));

describe("Lock", () => {
  test("operations run one at a time, in arrival order, also after one throws", async () => {
    const lock = new Lock();
    const seen: string[] = [];
    const op = (name: string, fail = false) =>
      lock.run(async () => {
        seen.push(`${name}+`);
        await tick();
        seen.push(`${name}-`);
        if (fail) throw new Error(name);
      });
    const runs = [op("a"), op("b", true), op("c")];
    const settled = await Promise.allSettled(runs);
    expect(seen).toEqual(["a+", "a-", "b+", "b-", "c+", "c-"]);
    expect(settled.map((s) => s.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
  });

  test("outside lets queued operations in during the call and queues up again after them", async () => {
    const lock = new Lock();
    const seen: string[] = [];
    let answer!: (v: string) => void;
    const call = new Promise<string>((r) => (answer = r));
    const first = lock.run(async (held) => {
      seen.push("first+");
      const got = await held.outside(() => call);
      seen.push(`first got ${got}`);
    });
    const second = lock.run(async () => {
      seen.push("second");
      // What the first is waiting on may depend on this operation (two objects calling each other).
      answer("x");
      await tick();
      seen.push("second-");
    });
    await Promise.all([first, second]);
    expect(seen).toEqual(["first+", "second", "second-", "first got x"]);
  });

  test("a call that throws outside the lock gives the lock back before the error reaches the operation", async () => {
    const lock = new Lock();
    const first = lock.run(async (held) => {
      await held.outside(async () => {
        throw new Error("no answer");
      });
    });
    await expect(first).rejects.toThrow("no answer");
    expect(await lock.run(async () => "free")).toBe("free");
  });
});
