// Shared by the fault-injection tests: a store workload that records what was acknowledged, and the check that a
// reopened store holds every acknowledged record byte for byte and nothing torn.
import { expect } from 'vitest';
import { AbiError, VectorStore, type VectorStoreOptions } from '../../src/index.js';
import { type FaultHook, setFaultHook } from '../../src/internal/durable-fs.js';

export const DIM = 8;

/** The vector of record `id` (deterministic, distinct per id). */
export function vec(id: string): Float32Array {
  let h = 2166136261;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 16777619);
  return Float32Array.from({ length: DIM }, (_, i) => (((h >>> (i * 3)) & 1023) - 512) / 97 + i);
}

/** What the caller was told: records acknowledged, ids acknowledged as deleted, and writes that were refused. */
export class Ledger {
  /** id → the acknowledged value's tag (metadata.v), or null when an acknowledged delete removed it. */
  readonly acked = new Map<string, number | null>();
  /** id → tags of writes that were refused (they may be present whole, or absent, never torn). */
  readonly refused = new Map<string, Set<number | null>>();
  readonly errors: unknown[] = [];

  /** An acknowledged write supersedes earlier refused ones (the log is ordered; a refused write cut off is gone). */
  ack(id: string, v: number | null): void {
    this.acked.set(id, v);
    this.refused.delete(id);
  }

  refuse(id: string, v: number | null): void {
    let s = this.refused.get(id);
    if (!s) this.refused.set(id, (s = new Set()));
    s.add(v);
  }
}

/** Options of the store under test (small snapshot threshold, so the write path includes snapshots). */
export function faultStoreOptions(dir: string, durability: 'fsync' | 'write' = 'fsync'): VectorStoreOptions {
  return { path: dir, dimension: DIM, metric: 'l2', text: true, durability, snapshotLogBytes: 1500, syncIntervalMs: 5 };
}

export type Step =
  | { op: 'upsert'; ids: string[]; v: number }
  | { op: 'delete'; ids: string[] }
  | { op: 'flush' } | { op: 'compact' } | { op: 'checkpoint' } | { op: 'reopen' };

/** Runs `steps` against a store at `dir`, with `hook` armed throughout; every error must be an AbiError. */
export async function runWorkload(dir: string, steps: readonly Step[], hook: FaultHook | undefined, ledger: Ledger, durability: 'fsync' | 'write' = 'fsync'): Promise<void> {
  setFaultHook(hook);
  let store: VectorStore | undefined;
  const note = (err: unknown): void => {
    ledger.errors.push(err);
    if (!(err instanceof AbiError)) throw new Error(`untyped error: ${String((err as Error)?.stack ?? err)}`);
  };
  try {
    try {
      store = await VectorStore.open(faultStoreOptions(dir, durability));
    } catch (err) {
      note(err);
      return;
    }
    for (const s of steps) {
      if (s.op === 'reopen') {
        try {
          await store!.close();
        } catch (err) {
          note(err);
        }
        try {
          store = await VectorStore.open(faultStoreOptions(dir, durability));
        } catch (err) {
          note(err);
          store = undefined;
          return;
        }
        continue;
      }
      try {
        if (s.op === 'upsert') {
          await store!.upsert(s.ids.map((id) => ({ id, vector: vec(`${id}/${s.v}`), text: `text of ${id} v${s.v}`, metadata: { id, v: s.v, tags: ['a', s.v] } })));
          for (const id of s.ids) ledger.ack(id, s.v);
        } else if (s.op === 'delete') {
          await store!.delete(s.ids);
          for (const id of s.ids) ledger.ack(id, null);
        } else if (s.op === 'flush') {
          await store!.flush();
        } else if (s.op === 'compact') {
          await store!.compact();
        } else {
          await store!.checkpoint();
        }
      } catch (err) {
        note(err);
        if (s.op === 'upsert') for (const id of s.ids) ledger.refuse(id, s.v);
        if (s.op === 'delete') for (const id of s.ids) ledger.refuse(id, null);
      }
    }
  } finally {
    if (store) {
      try {
        await store.close();
      } catch (err) {
        note(err);
      }
    }
    setFaultHook(undefined);
  }
}

/**
 * Reopens without faults and checks: every acknowledged record present with identical bytes (vector, text,
 * metadata), every acknowledged delete absent, a refused write present whole or absent, nothing else present.
 * Returns how many acknowledged records were checked.
 */
export async function verifyStore(dir: string, ledger: Ledger): Promise<number> {
  const store = await VectorStore.open(faultStoreOptions(dir));
  try {
    const ids = new Set(await store.ids());
    const matches = (id: string, v: number | null, rec: Awaited<ReturnType<VectorStore['get']>>): boolean => {
      if (v === null) return rec === undefined;
      if (!rec) return false;
      const want = vec(`${id}/${v}`);
      return rec.text === `text of ${id} v${v}` && JSON.stringify(rec.metadata) === JSON.stringify({ id, v, tags: ['a', v] })
        && Buffer.from(rec.vector.buffer, rec.vector.byteOffset, rec.vector.byteLength).equals(Buffer.from(want.buffer));
    };
    for (const id of new Set([...ledger.acked.keys(), ...ledger.refused.keys()])) {
      const rec = await store.get(id);
      const allowed = new Set<number | null>(ledger.refused.get(id) ?? []);
      if (ledger.acked.has(id)) allowed.add(ledger.acked.get(id)!);
      else allowed.add(null); // never acknowledged: absent is fine
      // Only a refused write after the last acknowledged one may have replaced it.
      const ok = [...allowed].some((v) => matches(id, v, rec));
      if (!ok) throw new Error(`record ${id}: ${rec ? `holds v=${JSON.stringify(rec.metadata.v)}` : 'missing'}, expected one of ${JSON.stringify([...allowed])} (acked ${JSON.stringify(ledger.acked.get(id))})`);
      ids.delete(id);
    }
    expect([...ids]).toEqual([]);
    return [...ledger.acked.values()].filter((v) => v !== null).length;
  } finally {
    await store.close();
  }
}

/** The default workload: writes, deletes, flushes, a compaction, a checkpoint, a reopen, more writes. */
export function defaultSteps(): Step[] {
  const up = (from: number, n: number, v = 1): Step => ({ op: 'upsert', ids: Array.from({ length: n }, (_, i) => `r${from + i}`), v });
  return [
    up(0, 3), up(3, 3), { op: 'delete', ids: ['r1'] }, up(6, 4), { op: 'flush' }, up(0, 2, 2),
    { op: 'delete', ids: ['r3', 'r4', 'r5', 'r6'] }, { op: 'compact' }, up(10, 3), { op: 'checkpoint' },
    { op: 'reopen' }, up(13, 3), { op: 'delete', ids: ['r7'] }, up(2, 1, 3), { op: 'flush' },
  ];
}
