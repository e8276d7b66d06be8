/**
 * Whether a store directory's snapshot and log belong together, checked when a store opens, so that a missing or
 * swapped file fails loudly instead of opening with records silently missing.
 *
 * Each checkpoint writes a snapshot and then starts a new log one generation up; the snapshot records that log's
 * generation and first sequence number. A new store's first log is generation 1. On open:
 *
 * - snapshot, no log: the records written after the snapshot are gone (a store always has a log once opened);
 * - log, no snapshot: when the log is past generation 1 (or starts after sequence 1), a snapshot held the
 *   records before it;
 * - both: the log must be the one the snapshot announced, or the one before it (a crash between writing the
 *   snapshot and starting the new log). A later log means the snapshot is an older copy; an earlier one means the
 *   log is; a log starting after the snapshot's last sequence number + 1 leaves a gap.
 *
 * Version-1 files record no generation (0): for those only the presence and sequence-number checks apply.
 *
 * @internal
 * @module
 */
import { CorruptDataError } from '../../core/errors.js';

/** What a snapshot says (from its header). @internal */
export interface SnapshotLineage {
  path: string;
  lastLsn: number;
  /** 0 when not recorded. */
  logGeneration: number;
  logFirstLsn: number;
}

/** What a log says (from its header). @internal */
export interface LogLineage {
  path: string;
  generation: number;
  firstLsn: number;
}

/**
 * Throws when the files present do not hold every acknowledged record; returns silently when they do.
 *
 * @throws {@link CorruptDataError} naming the missing (or mismatched) file
 * @internal
 */
export function checkLineage(snapshot: SnapshotLineage | null, log: LogLineage | null, snapshotPath: string, logPath: string): void {
  const hint = "; open with { recover: 'open-what-is-left' } to load what remains";
  if (snapshot && !log) {
    const what = snapshot.logGeneration > 0 ? ` (generation ${snapshot.logGeneration}, from sequence ${snapshot.logFirstLsn})` : '';
    throw new CorruptDataError(`log file is missing: the snapshot says the records written after it${what} are in it${hint}`, logPath);
  }
  if (!snapshot && log) {
    if (log.generation > 1 || log.firstLsn > 1) {
      throw new CorruptDataError(
        `snapshot file is missing: the log (generation ${log.generation}) starts at sequence ${log.firstLsn}, after records a snapshot held${hint}`,
        snapshotPath,
      );
    }
    return;
  }
  if (!snapshot || !log) return;
  if (snapshot.logGeneration > 0 && log.generation > 0) {
    if (log.generation > snapshot.logGeneration) {
      throw new CorruptDataError(
        `snapshot is older than the log: it announces log generation ${snapshot.logGeneration}, the log is generation ${log.generation} (the snapshot of the records before it is missing)${hint}`,
        snapshotPath,
      );
    }
    if (log.generation < snapshot.logGeneration - 1) {
      throw new CorruptDataError(
        `log is older than the snapshot: the snapshot announces log generation ${snapshot.logGeneration}, the log is generation ${log.generation} (the log written after the snapshot is missing)${hint}`,
        logPath,
      );
    }
    if (log.generation === snapshot.logGeneration && log.firstLsn !== snapshot.logFirstLsn) {
      throw new CorruptDataError(
        `log does not belong to the snapshot: it starts at sequence ${log.firstLsn}, the snapshot announces ${snapshot.logFirstLsn}${hint}`,
        logPath,
      );
    }
  }
  if (log.firstLsn > snapshot.lastLsn + 1) {
    throw new CorruptDataError(
      `records are missing between the snapshot (up to sequence ${snapshot.lastLsn}) and the log (from sequence ${log.firstLsn})${hint}`,
      snapshotPath,
    );
  }
}
