/**
 * The coordinator's checkpoints: the global model after each round, as a versioned, CRC-checked frame written to a
 * temporary file, fsynced, then renamed into place (and the directory fsynced), so a crash leaves either the old
 * checkpoint or the new one, never half of one. The newest few are kept.
 *
 * @module
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CorruptDataError, InvalidUpdateError, IOError } from '../../core/errors.js';
import { atomicReplaceSync } from '../../internal/durable-fs.js';
import { decodeFrame, encodeFrame } from './frame.js';
import type { ParameterLayout } from './params.js';

/** The checkpoint file format version. */
export const CHECKPOINT_FORMAT = 1;
const KIND = 'abi-sdk/federated-checkpoint';
const NAME_RE = /^checkpoint-(\d{8})\.abfd$/;

/** One finished round, as recorded in the checkpoint and reported by the status endpoint. */
export interface RoundSummary {
  /** The round number (1-based). */
  round: number;
  /** Attempts the round took (a masked round restarts when a committed client drops). */
  attempts: number;
  /** Clients whose updates were averaged. */
  clients: string[];
  /** Σ samples of those clients. */
  samples: number;
  /** Clients that were expected but sent nothing before the deadline. */
  dropped: string[];
  /** Whether the round used secure aggregation. */
  secure: boolean;
  /** Bytes received in update bodies this round (all attempts). */
  bytesIn: number;
  /** Bytes of global model sent to clients this round. */
  bytesOut: number;
  /** Wall time from the round's opening to its aggregation, in milliseconds. */
  durationMs: number;
  /** L2 norm of the averaged delta applied. */
  deltaNorm: number;
}

/** What a checkpoint holds. */
export interface CheckpointState {
  /** The federation's session id. */
  session: string;
  /** Rounds completed; the next round to run is `completed + 1`. */
  completed: number;
  /** The parameter layout. */
  layout: ParameterLayout;
  /** The global weights after `completed` rounds. */
  weights: Float32Array;
  /** Finished rounds, oldest first. */
  history: RoundSummary[];
}

interface CheckpointHeader {
  kind: string;
  format: number;
  session: string;
  completed: number;
  layout: ParameterLayout;
  history: RoundSummary[];
}

function fileName(completed: number): string {
  return `checkpoint-${String(completed).padStart(8, '0')}.abfd`;
}


/**
 * Writes a checkpoint atomically and prunes old ones.
 *
 * @param dir - the coordinator's data directory
 * @param state - what to save
 * @param keep - how many checkpoints to keep
 * @returns the file written
 * @throws {IOError} when the file system fails
 */
export function writeCheckpoint(dir: string, state: CheckpointState, keep = 3): string {
  const header: CheckpointHeader = {
    kind: KIND, format: CHECKPOINT_FORMAT, session: state.session, completed: state.completed, layout: state.layout, history: state.history,
  };
  const bytes = encodeFrame(header, state.weights);
  const path = join(dir, fileName(state.completed));
  atomicReplaceSync(path, bytes, { mode: 0o600, mkdir: true });
  for (const old of listCheckpoints(dir).slice(0, -keep)) rmSync(join(dir, old), { force: true });
  return path;
}

function listCheckpoints(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new IOError(`cannot list ${dir}`, { cause: err });
  }
  return names.filter((n) => NAME_RE.test(n)).sort();
}

/**
 * Reads the newest checkpoint in a directory.
 *
 * @param dir - the coordinator's data directory
 * @returns the state, or undefined when there is none
 * @throws {CorruptDataError} when the newest checkpoint fails its checks (never silently falls back to an older one)
 * @throws {IOError} when it cannot be read
 */
export function readLatestCheckpoint(dir: string): CheckpointState | undefined {
  const names = listCheckpoints(dir);
  if (names.length === 0) return undefined;
  const path = join(dir, names[names.length - 1]);
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new IOError(`cannot read federated checkpoint ${path}`, { cause: err });
  }
  try {
    const { header, values } = decodeFrame<CheckpointHeader>(bytes);
    if (header?.kind !== KIND) throw new Error('not a federated checkpoint');
    if (header.format !== CHECKPOINT_FORMAT) throw new Error(`checkpoint format ${header.format} is not supported`);
    if (!(values instanceof Float32Array)) throw new Error('checkpoint values are not float32');
    const total = header.layout.reduce((n, e) => n + e.size, 0);
    if (total !== values.length) throw new Error(`layout has ${total} values, the file ${values.length}`);
    return { session: header.session, completed: header.completed, layout: header.layout, weights: values, history: header.history ?? [] };
  } catch (err) {
    const why = err instanceof InvalidUpdateError || err instanceof Error ? err.message : String(err);
    throw new CorruptDataError(`federated checkpoint is corrupt: ${why}`, path, { cause: err });
  }
}
