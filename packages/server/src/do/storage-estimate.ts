/**
 * Whether an append fits under HOT_STORAGE_LIMIT_BYTES, without asking
 * SQLite on every append: its size and free-page count are read at most once
 * per MEASURE_EVERY_BYTES or MEASURE_EVERY_APPENDS of accepted data, and in
 * between each append adds its bytes plus a row's overhead. An estimate over
 * the limit is measured again before an append is refused, so pages freed by
 * a seal or a trim never cause a false 507; an estimate under the real size
 * is off by at most MEASURE_EVERY_APPENDS rows' overhead beyond ROW_OVERHEAD_BYTES.
 */
const MEASURE_EVERY_BYTES = 1024 * 1024;
const MEASURE_EVERY_APPENDS = 256;
const ROW_OVERHEAD_BYTES = 64;

export class StorageEstimate {
  private measured: number | null = null;
  private sinceBytes = 0;
  private sinceAppends = 0;

  /** `measure` reads the real size (SQLite). */
  constructor(private readonly measure: () => number) {}

  /** Whether `bytes` more stay within `limit`. */
  fits(bytes: number, limit: number): boolean {
    const due = this.sinceBytes >= MEASURE_EVERY_BYTES || this.sinceAppends >= MEASURE_EVERY_APPENDS;
    if (this.measured === null || due || this.estimate() + bytes > limit) this.remeasure();
    return this.estimate() + bytes <= limit;
  }

  /** An append of `bytes` committed. */
  added(bytes: number): void {
    this.sinceBytes += bytes;
    this.sinceAppends += 1;
  }

  private estimate(): number {
    return (this.measured ?? 0) + this.sinceBytes + this.sinceAppends * ROW_OVERHEAD_BYTES;
  }

  private remeasure(): void {
    this.measured = this.measure();
    this.sinceBytes = 0;
    this.sinceAppends = 0;
  }
}
