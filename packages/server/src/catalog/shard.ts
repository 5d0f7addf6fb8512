/**
 * Which catalog shard holds a stream. Shards are chosen by a hash of the
 * stream name, so appends to streams with a common prefix (`chat/...`) spread
 * over every shard instead of heating one (docs/admin.md, "Scale").
 */

/** FNV-1a (32 bit) of the UTF-16 code units of `s`: stable across runtimes and releases. */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** The shard (0..shards-1) of a stream name. */
export function shardOf(name: string, shards: number): number {
  return fnv1a(name) % shards;
}

/** The Durable Object name of one catalog shard of a project. */
export function shardName(project: string, shard: number): string {
  return `${project}#${shard}`;
}
