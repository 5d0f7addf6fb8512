/**
 * Deleting a gone instance's R2 objects. The head goes first, so the edge
 * stops serving the instance; then everything under the instance's prefix,
 * which includes an object an interrupted seal may have written. A purge that
 * fails stays recorded (SQLite `purges`) and is retried from the alarm.
 */
import { headKey, instancePrefix } from "../cold/segment-format.js";
import { loadHead } from "../cold/segment-reader.js";

/** The slice of R2 a purge needs. */
export type PurgeBucket = Pick<R2Bucket, "get" | "head" | "list" | "delete">;

/** Deletes one instance's head (if it is still that instance's) and all its segments. */
export async function purgeInstance(bucket: PurgeBucket, doId: string, instance: string): Promise<number> {
  const head = await loadHead(bucket, headKey(doId));
  if (head?.instance === instance) await bucket.delete(headKey(doId));
  let deleted = 0;
  for (;;) {
    const page = await bucket.list({ prefix: instancePrefix(doId, instance), limit: 1000 });
    if (page.objects.length === 0) return deleted;
    await bucket.delete(page.objects.map((o) => o.key));
    deleted += page.objects.length;
  }
}
