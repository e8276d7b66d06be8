/**
 * A small typed event registry for long-lived objects (`on('error', …)`, `on('health', …)`). Unlike Node's
 * `EventEmitter`, an `error` event with no listener is not thrown (a background failure must never end the host
 * process), and a listener that throws is isolated: the others still run and the emitter goes on.
 *
 * @internal
 * @module
 */

/** Listeners by event; `E` maps each event name to its listener's argument tuple. @internal */
export class Listeners<E extends { [K in keyof E]: unknown[] }> {
  readonly #by = new Map<keyof E, Set<unknown>>();

  /**
   * Adds a listener.
   *
   * @param event - the event
   * @param listener - called with the event's arguments
   */
  on<K extends keyof E>(event: K, listener: (...args: E[K]) => void): void {
    let set = this.#by.get(event);
    if (!set) this.#by.set(event, (set = new Set()));
    set.add(listener);
  }

  /**
   * Removes a listener.
   *
   * @param event - the event
   * @param listener - the listener given to {@link Listeners.on}
   */
  off<K extends keyof E>(event: K, listener: (...args: E[K]) => void): void {
    this.#by.get(event)?.delete(listener);
  }

  /**
   * Calls every listener of an event; exceptions they throw are swallowed.
   *
   * @param event - the event
   * @param args - its arguments
   * @returns how many listeners were called
   */
  emit<K extends keyof E>(event: K, ...args: E[K]): number {
    const set = this.#by.get(event);
    if (!set) return 0;
    for (const fn of [...set]) {
      try {
        (fn as (...a: E[K]) => void)(...args);
      } catch {
        // A faulty listener must not break the emitter or the others.
      }
    }
    return set.size;
  }
}
