/**
 * Who holds a lock file, as the SDK's lock files record it (pid, host, a random token), and whether that owner is
 * still alive. Shared by the store's directory lock and the Hub cache's blob locks.
 *
 * @internal
 * @module
 */
import { hostname } from 'node:os';

/** The content of a lock file. @internal */
export interface LockOwner {
  pid: number;
  host: string;
  token: string;
}

/** A new owner record for this process. @internal */
export function newLockOwner(): LockOwner {
  return { pid: process.pid, host: hostname(), token: `${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}` };
}

/** Whether a process with this pid exists on this host (EPERM: it exists, owned by another user). @internal */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether the recorded owner is a process of this host that is gone. @internal */
export function ownerDead(owner: LockOwner): boolean {
  return owner.host === hostname() && !processAlive(owner.pid);
}
