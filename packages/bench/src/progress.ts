/**
 * Progress output: one line per (workload, target). On a terminal the line is
 * rewritten with live detail; in CI/logs detail is printed at most every 5 s
 * so the log stays readable.
 */

/** A progress line for one step. */
export interface Step {
  detail(text: string): void;
  done(summary: string): void;
}

const tty = process.stdout.isTTY === true;

/** Starts step `index` of `total` with a label; finish it with `done`. */
export function step(index: number, total: number, label: string): Step {
  const prefix = `[${String(index).padStart(String(total).length)}/${total}] ${label}`;
  const started = performance.now();
  let lastPrint = started;
  if (tty) process.stdout.write(`${prefix} …`);
  else process.stdout.write(`${prefix} …\n`);
  const secs = () => ((performance.now() - started) / 1000).toFixed(1);
  return {
    detail(text) {
      if (tty) {
        process.stdout.write(`\r\x1b[2K${prefix} … ${text} (${secs()} s)`);
      } else if (performance.now() - lastPrint > 5_000) {
        lastPrint = performance.now();
        process.stdout.write(`    … ${text} (${secs()} s)\n`);
      }
    },
    done(summary) {
      const line = `${prefix}: ${summary} (${secs()} s)`;
      process.stdout.write(tty ? `\r\x1b[2K${line}\n` : `    ${line.slice(prefix.length + 2)}\n`);
    },
  };
}

/** Prints a plain status line (target start/stop, file writes). */
export function note(text: string): void {
  process.stdout.write(`${text}\n`);
}
