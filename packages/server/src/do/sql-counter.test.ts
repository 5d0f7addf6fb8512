import { describe, expect, test } from "vitest";
import { CountingSql } from "./sql-counter.js";
import type { Sql } from "./store.js";

/** A stand-in cursor source: each statement reports the rows given for it. */
function fakeSql(perStatement: Array<{ rowsRead: number; rowsWritten: number }>): Sql {
  let i = 0;
  return {
    exec: () => ({ ...perStatement[i++]! }) as unknown as SqlStorageCursor<never>,
  } as unknown as Sql;
}

describe("CountingSql", () => {
  test("sums rows read and written over every statement, the last one included", () => {
    const sql = new CountingSql(
      fakeSql([
        { rowsRead: 3, rowsWritten: 0 },
        { rowsRead: 1, rowsWritten: 2 },
        { rowsRead: 0, rowsWritten: 5 },
      ]),
    );
    sql.exec("a");
    sql.exec("b");
    expect(sql.totals()).toEqual({ rowsRead: 4, rowsWritten: 2 });
    sql.exec("c");
    expect(sql.totals()).toEqual({ rowsRead: 4, rowsWritten: 7 });
    // Asking again does not count the last statement twice.
    expect(sql.totals()).toEqual({ rowsRead: 4, rowsWritten: 7 });
  });

  test("starts at zero", () => {
    expect(new CountingSql(fakeSql([])).totals()).toEqual({ rowsRead: 0, rowsWritten: 0 });
  });
});
