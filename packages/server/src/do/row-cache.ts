/**
 * Values a StreamDO reads from its own SQLite and keeps in memory, so that the
 * common append reads no row to check what rarely changes (the newest
 * segment, the retention row, what subscriptions were last told). The object
 * is the only writer of its database, so a cached value stays right as long
 * as every write to the rows behind it drops it, and a rolled-back
 * transaction or a wipe drops them all (a value read inside a transaction
 * may be one that never committed).
 */

/** One cached value; `get` reads it on first use after a drop. */
export class Cached<T> {
  private held: { value: T } | null = null;

  get(read: () => T): T {
    this.held ??= { value: read() };
    return this.held.value;
  }

  /** What was just written. */
  set(value: T): void {
    this.held = { value };
  }

  drop(): void {
    this.held = null;
  }
}

/** Every cached value of one object, dropped together when the database may hold something else. */
export class RowCaches {
  private readonly cells: Cached<unknown>[] = [];

  cell<T>(): Cached<T> {
    const c = new Cached<T>();
    this.cells.push(c as Cached<unknown>);
    return c;
  }

  dropAll(): void {
    for (const c of this.cells) c.drop();
  }
}
