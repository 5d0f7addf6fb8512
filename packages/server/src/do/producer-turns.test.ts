import { describe, expect, test } from "vitest";
import { ProducerTurns } from "./producer-turns.js";

const tick = () => new Promise((r) => setTimeout(r, 5));

describe("ProducerTurns", () => {
  test("a producer's appends take turns in arrival order", async () => {
    const turns = new ProducerTurns(1_000);
    const order: string[] = [];
    const first = await turns.take("p");
    const second = turns.take("p").then((r) => {
      order.push("second");
      return r;
    });
    await tick();
    expect(order).toEqual([]);
    order.push("first");
    first!();
    (await second)!();
    expect(order).toEqual(["first", "second"]);
    await tick();
    expect(turns.busy()).toBe(0);
  });

  test("other producers never wait", async () => {
    const turns = new ProducerTurns(1_000);
    const held = await turns.take("p");
    const other = await turns.take("q");
    expect(other).not.toBeNull();
    other!();
    held!();
  });

  test("a wait is bounded; a timed-out waiter does not let the next one jump the holder", async () => {
    const turns = new ProducerTurns(200);
    const held = await turns.take("p");
    expect(await turns.take("p")).toBeNull();
    const third = turns.take("p");
    let thirdDone = false;
    void third.then(() => (thirdDone = true));
    await tick();
    expect(thirdDone).toBe(false);
    held!();
    const r = await third;
    expect(r).not.toBeNull();
    r!();
    await tick();
    expect(turns.busy()).toBe(0);
  });
});
