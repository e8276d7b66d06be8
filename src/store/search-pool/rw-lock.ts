/**
 * A readers–writer lock in a small shared `Int32Array`, between the store's one writer (the thread that owns the
 * store, whose event loop must never block) and its search workers (which may block briefly).
 *
 * - Readers (workers) take it around one search: wait while a writer holds or wants it (`Atomics.wait`, allowed
 *   off the main thread), count themselves in, and re-check (Dekker-style, every access sequentially consistent).
 * - The writer announces itself first (so no new reader enters), then waits for the readers in flight to leave with
 *   `Atomics.waitAsync`: the event loop stays free. It holds the lock for one bounded chunk of a write (see
 *   `WRITE_CHUNK_MS` in persistence/durability.ts) and releases it between chunks, so a reader waits at most one chunk
 *   and the writer at most the searches already running.
 * - Each release by the writer bumps a version word: a search that ran under the read lock saw exactly the state of
 *   one version.
 *
 * Searches on the writer's own thread need no lock: they cannot interleave with a chunk (JS runs to completion).
 *
 * @internal
 * @module
 */

const WRITER = 0;
const READERS = 1;
const VERSION = 2;
/** Words in the lock's buffer. @internal */
export const LOCK_WORDS = 4;
/** Longest single wait before re-checking (a lost wake-up costs at most this). */
const WAIT_MS = 20;

type WaitAsync = (a: Int32Array, index: number, value: number, timeout?: number) =>
  { async: false; value: 'not-equal' | 'timed-out' } | { async: true; value: Promise<'ok' | 'timed-out'> };
/** `Atomics.waitAsync` (Node ≥ 16; typed in ES2024, the project compiles against ES2023). */
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;

/** The lock, one per collection. @internal */
export class RwLock {
  readonly words: Int32Array;
  #held = false;

  /** @param buffer - an existing lock's buffer (a worker's view), or none to make one */
  constructor(buffer?: SharedArrayBuffer) {
    this.words = new Int32Array(buffer ?? new SharedArrayBuffer(LOCK_WORDS * 4));
  }

  /** The shared buffer (send it to workers). */
  get buffer(): SharedArrayBuffer {
    return this.words.buffer as SharedArrayBuffer;
  }

  /** Writes applied so far (bumped by every write release). */
  get version(): number {
    return Atomics.load(this.words, VERSION);
  }

  /** Reader side (a worker thread; blocks): enters once no writer holds or wants the lock. */
  acquireRead(): void {
    const w = this.words;
    for (;;) {
      while (Atomics.load(w, WRITER) !== 0) Atomics.wait(w, WRITER, 1, WAIT_MS);
      Atomics.add(w, READERS, 1);
      if (Atomics.load(w, WRITER) === 0) return;
      // A writer announced itself meanwhile: step back out, waking it if we were the last.
      if (Atomics.sub(w, READERS, 1) === 1) Atomics.notify(w, READERS);
    }
  }

  /** Reader side: leaves; the last reader out wakes a waiting writer. */
  releaseRead(): void {
    if (Atomics.sub(this.words, READERS, 1) === 1) Atomics.notify(this.words, READERS);
  }

  /**
   * Writer side, without waiting: takes the lock when no reader is in.
   *
   * @returns whether it is now held
   */
  tryAcquireWrite(): boolean {
    if (this.#held) return true;
    const w = this.words;
    Atomics.store(w, WRITER, 1);
    if (Atomics.load(w, READERS) === 0) {
      this.#held = true;
      return true;
    }
    Atomics.store(w, WRITER, 0);
    Atomics.notify(w, WRITER);
    return false;
  }

  /**
   * Writer side: announces the writer (no new reader enters), then waits without blocking the event loop for the
   * readers in flight to leave.
   */
  async acquireWrite(): Promise<void> {
    if (this.#held) return;
    const w = this.words;
    Atomics.store(w, WRITER, 1);
    for (;;) {
      const readers = Atomics.load(w, READERS);
      if (readers === 0) break;
      const r = waitAsync(w, READERS, readers, WAIT_MS);
      if (r.async) await r.value;
    }
    this.#held = true;
  }

  /** Writer side: publishes the chunk (bumps the version) and lets readers in. */
  releaseWrite(): void {
    if (!this.#held) return;
    this.#held = false;
    const w = this.words;
    Atomics.add(w, VERSION, 1);
    Atomics.store(w, WRITER, 0);
    Atomics.notify(w, WRITER);
  }
}
