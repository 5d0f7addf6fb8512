/**
 * A random id of the isolate this module runs in, made on first use (random
 * values cannot be drawn at module load in Workers). Tests compare the edge's
 * id with an object's to prove they run in different isolates.
 */
let id: string | undefined;

/** This isolate's id. */
export function isolateId(): string {
  return (id ??= crypto.randomUUID());
}
