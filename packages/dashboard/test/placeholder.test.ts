import { expect, it } from "vitest";

it("builds", () => expect(1).toBe(1));
