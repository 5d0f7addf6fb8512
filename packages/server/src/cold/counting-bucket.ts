/**
 * Counts R2 operations by billing class where they are made. The edge and the
 * objects run in different isolates on Cloudflare, so each keeps its own
 * tally (the edge in /v1/metrics, a StreamDO in its per-stream counters)
 * instead of sharing a module counter that only works in one isolate.
 */

/** R2 operations made through a counted bucket. */
export interface R2Tally {
  /** Class A: put, list, multipart creation, part upload and completion. */
  r2ClassA: number;
  /** Class B: get, head. */
  r2ClassB: number;
}

const CLASS_OF: Readonly<Record<string, keyof R2Tally>> = {
  put: "r2ClassA",
  list: "r2ClassA",
  createMultipartUpload: "r2ClassA",
  get: "r2ClassB",
  head: "r2ClassB",
};

/** A multipart upload's billed calls (aborts are free). */
const UPLOAD_CLASS_OF: Readonly<Record<string, keyof R2Tally>> = { uploadPart: "r2ClassA", complete: "r2ClassA" };

/** `bucket`, with every get/head/put/list and multipart call counted in `tally` (deletes are free). */
export function countingBucket(bucket: R2Bucket, tally: R2Tally): R2Bucket {
  const counted = counting(bucket, tally, CLASS_OF);
  return new Proxy(counted, {
    get(target, prop) {
      if (prop !== "createMultipartUpload") return Reflect.get(target, prop, target);
      return async (...args: Parameters<R2Bucket["createMultipartUpload"]>) =>
        counting(await target.createMultipartUpload(...args), tally, UPLOAD_CLASS_OF);
    },
  });
}

/** `obj` with each call of a method named in `classes` counted in `tally`. */
function counting<T extends object>(obj: T, tally: R2Tally, classes: Readonly<Record<string, keyof R2Tally>>): T {
  return new Proxy(obj, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== "function") return value;
      const kind = typeof prop === "string" ? classes[prop] : undefined;
      return (...args: unknown[]) => {
        if (kind) tally[kind] += 1;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}
