/** Small shared UI pieces: charts, badges, copy buttons, errors. */
import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import type { Point } from "./api.js";

/** A bar chart of one metric over time (inline SVG: no chart library to download). */
export function Chart(props: { title: string; points: Point[]; field: string; format?: (n: number) => string }) {
  const values = props.points.map((p) => Number(p[props.field] ?? 0));
  const max = Math.max(1, ...values);
  const total = values.reduce((a, b) => a + b, 0);
  const w = 300;
  const h = 80;
  const bw = values.length > 0 ? w / values.length : w;
  const fmt = props.format ?? ((n: number) => n.toLocaleString("en-US"));
  return (
    <figure class="chart" data-field={props.field}>
      <figcaption>
        {props.title} <span class="muted">total {fmt(total)}</span>
      </figcaption>
      <svg viewBox={`0 0 ${w} ${h}`} preserveAspectRatio="none" role="img" aria-label={props.title}>
        {values.map((v, i) => (
          <rect x={i * bw} y={h - (v / max) * h} width={Math.max(bw - 0.5, 0.5)} height={(v / max) * h}>
            <title>{`${new Date(props.points[i]!.t).toLocaleTimeString()}: ${fmt(v)}`}</title>
          </rect>
        ))}
      </svg>
    </figure>
  );
}

/** A small label. */
export function Badge(props: { kind: string; children: ComponentChildren }) {
  return <span class={`badge ${props.kind}`}>{props.children}</span>;
}

/** A value with a button that copies it. */
export function Copy(props: { value: string; label?: string }) {
  const [done, setDone] = useState(false);
  return (
    <span class="copy">
      <code>{props.label ?? props.value}</code>
      <button
        type="button"
        title="Copy"
        onClick={() => {
          void navigator.clipboard?.writeText(props.value).catch(() => undefined);
          setDone(true);
          setTimeout(() => setDone(false), 1000);
        }}
      >
        {done ? "copied" : "copy"}
      </button>
    </span>
  );
}

/** An error message box. */
export function ErrorBox(props: { error: string | undefined }) {
  return props.error ? (
    <p class="error" role="alert">
      {props.error}
    </p>
  ) : null;
}

/** A titled panel. */
export function Panel(props: { title: string; children: ComponentChildren; id?: string }) {
  return (
    <section class="panel" id={props.id}>
      <h2>{props.title}</h2>
      {props.children}
    </section>
  );
}
