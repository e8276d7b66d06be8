/**
 * Resolves on the next turn of the event loop (after pending I/O callbacks), so long CPU work can be sliced.
 *
 * @internal
 */
export function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
