/**
 * {@link Drain}: the one graceful-shutdown wait. An owner of work in flight (the server's requests, a service's
 * jobs, the scheduler's batches, a model's calls) says when its state changes; a closer waits until it is idle, the
 * deadline passes, or its signal fires — no polling.
 *
 * @module
 * @internal
 */
import type { DrainOptions } from '../core/contracts.js';

/**
 * Waits for an owner's work in flight to finish.
 *
 * @internal
 */
export class Drain {
  readonly #isIdle: () => boolean;
  readonly #waiters = new Set<() => void>();

  /** @param isIdle - whether nothing is in flight */
  constructor(isIdle: () => boolean) {
    this.#isIdle = isIdle;
  }

  /** Call after work finishes or is dropped; waiters resolve once the owner is idle. */
  notify(): void {
    if (this.#waiters.size === 0 || !this.#isIdle()) return;
    for (const wake of [...this.#waiters]) wake();
  }

  /**
   * Resolves `true` once the owner is idle, or `false` when the deadline passes or the signal fires first (the
   * caller then cuts what is left). Never rejects.
   */
  wait(options: DrainOptions = {}): Promise<boolean> {
    if (this.#isIdle()) return Promise.resolve(true);
    const { signal } = options;
    if (signal?.aborted) return Promise.resolve(false);
    const ms = options.deadlineMs ?? Infinity;
    return new Promise<boolean>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = (idle: boolean): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.#waiters.delete(onIdle);
        resolve(idle);
      };
      const onIdle = (): void => done(true);
      const onAbort = (): void => done(false);
      this.#waiters.add(onIdle);
      signal?.addEventListener('abort', onAbort, { once: true });
      if (Number.isFinite(ms)) timer = setTimeout(() => done(false), Math.max(0, ms));
    });
  }
}
