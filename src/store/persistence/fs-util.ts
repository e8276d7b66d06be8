/**
 * Small file-system helpers for crash-safe writes.
 *
 * @internal
 * @module
 */
import { open } from 'node:fs/promises';
import { dirname } from 'node:path';

/** fsyncs the directory containing `path`, so a rename or create in it is durable. Ignored where unsupported. @internal */
export async function fsyncDir(path: string): Promise<void> {
  let fh;
  try {
    fh = await open(dirname(path), 'r');
    await fh.sync();
  } catch {
    // Some platforms (Windows) cannot open or fsync directories; the rename is still atomic there.
  } finally {
    await fh?.close().catch(() => undefined);
  }
}
