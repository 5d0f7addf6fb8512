import { describe, expect, it } from "vitest";
import { parseArgs } from "../src/args.ts";

describe("bench arguments", () => {
  it("defaults: full run writes the docs; quick does not", () => {
    expect(parseArgs([])).toMatchObject({ quick: false, docs: true, targets: [], workloads: [] });
    expect(parseArgs(["--quick"])).toMatchObject({ quick: true, docs: false });
    expect(parseArgs(["--", "--quick", "--docs"])).toMatchObject({ quick: true, docs: true });
  });

  it("parses subsets and rejects unknown flags", () => {
    expect(parseArgs(["--targets=edge, ref-memory", "--workloads=seq-append"])).toMatchObject({
      targets: ["edge", "ref-memory"],
      workloads: ["seq-append"],
    });
    expect(() => parseArgs(["--fast"])).toThrow(/unknown option --fast/);
  });
});
