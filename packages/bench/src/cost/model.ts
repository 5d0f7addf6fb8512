/**
 * Cost arithmetic: usage per month × the price table. Pure functions, checked
 * against hand-computed cases in test/cost-model.test.ts.
 */
import { DO_BILLED_GB, PRICES, type PriceKey } from "./prices.ts";

/** Seconds in the 30-day month the model uses. */
export const SECONDS_PER_MONTH = 30 * 24 * 3600;

/** Usage over one month, in the units of PRICES. Missing dimensions count as zero. */
export type MonthlyUsage = Partial<Record<PriceKey, number>>;

/** One line of a bill. */
export interface CostLine {
  readonly key: PriceKey;
  readonly quantity: number;
  readonly usd: number;
}

/** A priced month. */
export interface Bill {
  readonly lines: readonly CostLine[];
  readonly totalUsd: number;
}

/** Prices each non-zero usage dimension at list rates (no allowances deducted). */
export function price(
  usage: MonthlyUsage,
  prices: Record<PriceKey, { usd: number; per: number }> = PRICES,
): Bill {
  const lines: CostLine[] = [];
  for (const key of Object.keys(prices) as PriceKey[]) {
    const quantity = usage[key] ?? 0;
    if (quantity < 0 || !Number.isFinite(quantity))
      throw new RangeError(`usage ${key} must be a finite number >= 0`);
    if (quantity === 0) continue;
    lines.push({ key, quantity, usd: (quantity / prices[key].per) * prices[key].usd });
  }
  return { lines, totalUsd: lines.reduce((s, l) => s + l.usd, 0) };
}

/** GB-seconds billed for `objects` Durable Objects each active `activeSeconds`. */
export function doGbSeconds(activeSeconds: number, objects = 1): number {
  return activeSeconds * objects * DO_BILLED_GB;
}

/** Adds usage records dimension by dimension. */
export function addUsage(...parts: MonthlyUsage[]): MonthlyUsage {
  const out: MonthlyUsage = {};
  for (const part of parts) {
    for (const [k, v] of Object.entries(part) as [PriceKey, number][]) out[k] = (out[k] ?? 0) + v;
  }
  return out;
}

/** Multiplies every dimension of a usage record by `factor` (e.g. per stream × streams). */
export function scaleUsage(usage: MonthlyUsage, factor: number): MonthlyUsage {
  const out: MonthlyUsage = {};
  for (const [k, v] of Object.entries(usage) as [PriceKey, number][]) out[k] = v * factor;
  return out;
}
