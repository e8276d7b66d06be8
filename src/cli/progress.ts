// Progress of the CLI's long steps: a cli-progress bar with ETA when a terminal is attached, plain throttled lines
// (one every few seconds, plus the final one) when output goes to a file, a pipe or a CI log. Progress is written to
// stderr so stdout stays clean for results (`--json` piped to jq still shows a bar on the terminal).
import cliProgress from 'cli-progress';
import type { PullProgress } from '../hub/pull.js';

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

/** A download's progress callback (as `pullModel`'s `onProgress` takes it) drawn on one progress report. */
export interface DownloadProgress {
  /** Feed `pullModel` / `fromPretrained`'s progress events here. */
  onProgress: (p: PullProgress) => void;
  /** Ends the report, if one was started (nothing is drawn when nothing had to be downloaded). */
  stop: () => void;
}

/**
 * Turns Hub download events into a progress report, started lazily on the first event (a cached model shows none);
 * after `stop` the next download starts a new one.
 *
 * @param start - starts a report (the command context's `progress`)
 * @returns the callback and its stop
 */
export function downloadProgress(start: (label: string, total: number, unit?: string) => Progress): DownloadProgress {
  let bar: Progress | undefined;
  let shown = 0;
  return {
    onProgress(p) {
      bar ??= start(`downloading ${p.repoId}`, p.totalBytes, 'bytes');
      if (p.bytes > shown) bar.increment(p.bytes - shown);
      shown = Math.max(shown, p.bytes);
    },
    stop() {
      bar?.stop();
      bar = undefined;
      shown = 0;
    },
  };
}
