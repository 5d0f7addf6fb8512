import { describe, expect, test } from "vitest";
import { countingBucket } from "./counting-bucket.js";

describe("countingBucket", () => {
  test("counts gets and heads as class B, puts and lists as class A, deletes not at all", async () => {
    const calls: string[] = [];
    const fake = {
      name: "bucket",
      get: async (k: string) => (calls.push(`get ${k}`), null),
      head: async (k: string) => (calls.push(`head ${k}`), null),
      put: async (k: string) => (calls.push(`put ${k}`), null),
      list: async () => (calls.push("list"), { objects: [] }),
      delete: async (k: string) => void calls.push(`delete ${k}`),
    };
    const tally = { r2ClassA: 0, r2ClassB: 0 };
    const b = countingBucket(fake as unknown as R2Bucket, tally);
    await b.get("a");
    await b.head("a");
    await b.get("b");
    await b.put("c", "x");
    await b.list();
    await b.delete("c");
    expect(tally).toEqual({ r2ClassA: 2, r2ClassB: 3 });
    expect(calls).toEqual(["get a", "head a", "get b", "put c", "list", "delete c"]);
    expect((b as unknown as { name: string }).name).toBe("bucket");
  });

  test("counts a multipart upload's creation, parts and completion as class A, its abort not at all", async () => {
    const upload = {
      uploadId: "u",
      uploadPart: async (n: number) => ({ partNumber: n, etag: `e${n}` }),
      complete: async () => null,
      abort: async () => undefined,
    };
    const fake = { createMultipartUpload: async () => upload };
    const tally = { r2ClassA: 0, r2ClassB: 0 };
    const b = countingBucket(fake as unknown as R2Bucket, tally);
    const u = await b.createMultipartUpload("k");
    const parts = [await u.uploadPart(1, "a"), await u.uploadPart(2, "b")];
    await u.complete(parts);
    await u.abort();
    expect(tally).toEqual({ r2ClassA: 4, r2ClassB: 0 });
    expect(parts.map((p) => p.etag)).toEqual(["e1", "e2"]);
    expect(u.uploadId).toBe("u");
  });
});
