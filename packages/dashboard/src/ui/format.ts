/** Display helpers. */

/** Bytes as B/KiB/MiB/GiB. */
export function bytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return "–";
  const u = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < u.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${u[i]}`;
}

/** A time as "12 s ago" / local time. */
export function ago(ms: number | null | undefined): string {
  if (!ms) return "–";
  const s = Math.round((Date.now() - ms) / 1000);
  if (s < 0) return new Date(ms).toLocaleString();
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return new Date(ms).toLocaleString();
}

/** A number with thousands separators. */
export function num(n: number | null | undefined): string {
  return n === null || n === undefined ? "–" : n.toLocaleString("en-US");
}

/** A subscriber's parked state as the server's inspection reports it (docs/estuary.md). */
export interface Parked {
  at: number;
  reason: string | null;
  fromOffset: string | null;
}

/** "parked 12 s ago (failing), missed from <offset>". */
export function parkedText(p: Parked): string {
  const from = p.fromOffset ? `, missed from ${p.fromOffset}` : "";
  return `parked ${ago(p.at)} (${p.reason ?? "reason unknown"})${from}`;
}
