/**
 * Horizontal bar charts as standalone SVG, readable at a glance: one bar per
 * target, its value printed beside it, an optional whisker (p99) on latency
 * charts, and a text in place of the bar when a target has no value.
 */

/** One bar. `value` undefined draws `missing` text instead. */
export interface Bar {
  readonly label: string;
  readonly value?: number;
  /** A second, larger value drawn as a thin line (e.g. p99 next to a median). */
  readonly whisker?: number;
  readonly color: string;
  readonly missing?: string;
}

/** A chart. */
export interface BarChart {
  readonly title: string;
  readonly subtitle?: string;
  /** Unit printed after each value, e.g. "ms" or "ops/s". */
  readonly unit: string;
  readonly bars: readonly Bar[];
  readonly format?: (n: number) => string;
}

/** Colours per target kind, consistent across charts. */
export const COLORS = {
  edge: "#f38020",
  reference: "#4a6fa5",
  reference2: "#7f9cc9",
  ceiling: "#9e9e9e",
} as const;

/** Escapes text for SVG. */
export function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function defaultFormat(n: number): string {
  if (n >= 1000) return Math.round(n).toLocaleString("en-US");
  return Number(n.toPrecision(3)).toString();
}

/** Renders the chart as an SVG document. */
export function renderBarChart(chart: BarChart): string {
  const fmt = chart.format ?? defaultFormat;
  const width = 760;
  const labelW = 210;
  const valueW = 150;
  const barH = 24;
  const gap = 10;
  const top = chart.subtitle ? 62 : 44;
  const plotW = width - labelW - valueW - 20;
  const height = top + chart.bars.length * (barH + gap) + 12;
  const max = Math.max(1e-9, ...chart.bars.flatMap((b) => [b.value ?? 0, b.whisker ?? 0]));
  const x = (v: number) => labelW + (v / max) * plotW;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="12" y="26" font-size="17" font-weight="600" fill="#222">${esc(chart.title)}</text>`,
  ];
  if (chart.subtitle)
    parts.push(`<text x="12" y="47" font-size="12.5" fill="#666">${esc(chart.subtitle)}</text>`);
  chart.bars.forEach((b, i) => {
    const y = top + i * (barH + gap);
    const mid = y + barH / 2 + 4.5;
    parts.push(
      `<text x="${labelW - 10}" y="${mid}" font-size="13" text-anchor="end" fill="#333">${esc(b.label)}</text>`,
    );
    if (b.value === undefined || !Number.isFinite(b.value)) {
      parts.push(
        `<text x="${labelW + 4}" y="${mid}" font-size="12.5" fill="#b00020">${esc(b.missing ?? "n/a")}</text>`,
      );
      return;
    }
    const w = Math.max(1.5, x(b.value) - labelW);
    parts.push(
      `<rect x="${labelW}" y="${y}" width="${w.toFixed(1)}" height="${barH}" rx="3" fill="${b.color}"/>`,
    );
    let end = labelW + w;
    let text = `${fmt(b.value)} ${chart.unit}`;
    if (b.whisker !== undefined && Number.isFinite(b.whisker) && b.whisker > b.value) {
      const wx = x(b.whisker);
      parts.push(
        `<line x1="${end.toFixed(1)}" y1="${mid - 4.5}" x2="${wx.toFixed(1)}" y2="${mid - 4.5}" stroke="#333" stroke-width="1.5"/>`,
      );
      parts.push(
        `<line x1="${wx.toFixed(1)}" y1="${y + 5}" x2="${wx.toFixed(1)}" y2="${y + barH - 5}" stroke="#333" stroke-width="1.5"/>`,
      );
      end = wx;
      text += ` (p99 ${fmt(b.whisker)})`;
    }
    parts.push(
      `<text x="${(end + 6).toFixed(1)}" y="${mid}" font-size="12.5" fill="#222">${esc(text)}</text>`,
    );
  });
  parts.push(`</svg>`);
  return parts.join("\n") + "\n";
}
