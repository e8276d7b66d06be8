// Progress of the CLI's long steps: a cli-progress bar with ETA when a terminal is attached, plain throttled lines
// (one every few seconds, plus the final one) when output goes to a file, a pipe or a CI log. Progress is written to
// stderr so stdout stays clean for results (`--json` piped to jq still shows a bar on the terminal).
import cliProgress from 'cli-progress';

/** A progress reporter for one step. */
export interface Progress {
  /**
   * Advances by `n` units.
   *
   * @param n - units done since the last call
   */
  increment(n?: number): void;
  /**
   * Changes the total (e.g. once the work is known).
   *
   * @param total - the new total
   */
  setTotal(total: number): void;
  /** Ends the step (draws the final state). */
  stop(): void;
}

/** Seconds → `1m05s` / `12s`. */
function duration(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const r = Math.max(0, Math.round(s));
  return r >= 60 ? `${Math.floor(r / 60)}m${String(r % 60).padStart(2, '0')}s` : `${r}s`;
}

/**
 * Starts a progress report.
 *
 * @param label - the step, e.g. `embedding`
 * @param total - units of work
 * @param unit - what a unit is
 * @param out - a terminal for the bar, or a line writer for plain lines
 * @param intervalMs - least time between plain lines
 * @returns the reporter
 */
export function startProgress(
  label: string, total: number, unit: string,
  out: { tty: NodeJS.WriteStream } | { line: (text: string) => void },
  intervalMs = 2000,
): Progress {
  if ('tty' in out) {
    const bar = new cliProgress.SingleBar({
      stream: out.tty, format: `${label} [{bar}] {percentage}% | {value}/{total} ${unit} | {duration_formatted} elapsed | ETA {eta_formatted}`,
      hideCursor: true, clearOnComplete: false, etaBuffer: 50, fps: 10,
    }, cliProgress.Presets.shades_classic);
    bar.start(total, 0);
    return { increment: (n = 1) => bar.increment(n), setTotal: (t) => bar.setTotal(t), stop: () => bar.stop() };
  }
  const start = Date.now();
  let done = 0;
  let last = start;
  let max = total;
  out.line(`${label}: 0/${max} ${unit}`);
  return {
    increment(n = 1) {
      done += n;
      const now = Date.now();
      if (now - last < intervalMs || done >= max) return;
      last = now;
      const elapsed = (now - start) / 1000;
      const eta = done > 0 ? (elapsed / done) * (max - done) : Number.POSITIVE_INFINITY;
      out.line(`${label}: ${done}/${max} ${unit} (${Math.floor((100 * done) / Math.max(1, max))}%), ETA ${duration(eta)}`);
    },
    setTotal(t) {
      max = t;
    },
    stop() {
      out.line(`${label}: ${done}/${max} ${unit} in ${duration((Date.now() - start) / 1000)}`);
    },
  };
}
