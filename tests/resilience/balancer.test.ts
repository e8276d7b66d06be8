import { describe, expect, it } from 'vitest';
import {
  CircuitOpenError, ConnectionError, LoadBalancer, ResilientCaller, type ResilienceEvent,
} from '../../src/index.js';
import { manualClock } from '../helpers/clocks.js';

const ids = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `node-${i}`, value: i }));

function countPicks(lb: LoadBalancer<number>, n: number, key?: (i: number) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const lease = lb.acquire({ key: key?.(i) });
    counts.set(lease.id, (counts.get(lease.id) ?? 0) + 1);
    lease.release('success');
  }
  return counts;
}

describe('LoadBalancer', () => {
  it('round-robin spreads calls evenly', () => {
    const counts = countPicks(new LoadBalancer(ids(3)), 3000);
    for (const c of counts.values()) expect(Math.abs(c - 1000)).toBeLessThanOrEqual(1);
  });
  it('weighted follows the weights (smooth weighted round-robin)', () => {
    const lb = new LoadBalancer([
      { id: 'a', value: 0, weight: 1 }, { id: 'b', value: 1, weight: 2 }, { id: 'c', value: 2, weight: 5 },
    ], { strategy: 'weighted' });
    const counts = countPicks(lb, 8000);
    expect(counts.get('a')).toBeGreaterThanOrEqual(990);
    expect(counts.get('a')).toBeLessThanOrEqual(1010);
    expect(counts.get('b')).toBeGreaterThanOrEqual(1980);
    expect(counts.get('b')).toBeLessThanOrEqual(2020);
    expect(counts.get('c')).toBeGreaterThanOrEqual(4950);
    expect(counts.get('c')).toBeLessThanOrEqual(5050);
  });
  it('consistent hashing is stable, balanced, and moves ≤ 1/N + ε of keys when an endpoint is added', () => {
    const keys = Array.from({ length: 20_000 }, (_, i) => `document ${i} about topic ${i % 97}`);
    const four = new LoadBalancer(ids(4), { strategy: 'consistent-hash' });
    const five = new LoadBalancer(ids(5), { strategy: 'consistent-hash' });
    const before = keys.map((k) => four.acquire({ key: k }).id);
    const again = keys.map((k) => new LoadBalancer(ids(4), { strategy: 'consistent-hash' }).ownerOf(k));
    expect(again).toEqual(before); // deterministic across instances (and processes: no random seed)
    const counts = new Map<string, number>();
    for (const id of before) counts.set(id, (counts.get(id) ?? 0) + 1);
    for (const c of counts.values()) expect(Math.abs(c - 5000)).toBeLessThan(500); // within 10% of even
    let moved = 0;
    for (let i = 0; i < keys.length; i++) {
      const now = five.ownerOf(keys[i]);
      if (now !== before[i]) {
        moved++;
        expect(now).toBe('node-4'); // keys only ever move to the new endpoint
      }
    }
    expect(moved / keys.length).toBeLessThanOrEqual(1 / 5 + 0.02);
    expect(moved / keys.length).toBeGreaterThan(1 / 5 - 0.03);
  });
  it('weighted consistent hashing gives a double-weight endpoint about twice the keys', () => {
    const lb = new LoadBalancer([{ id: 'a', value: 0 }, { id: 'b', value: 1, weight: 2 }], { strategy: 'consistent-hash' });
    let b = 0;
    for (let i = 0; i < 9000; i++) if (lb.ownerOf(`k${i}`) === 'b') b++;
    expect(b / 9000).toBeGreaterThan(0.62);
    expect(b / 9000).toBeLessThan(0.71);
  });
  it('health strategy prefers the least loaded endpoint', () => {
    const lb = new LoadBalancer(ids(3), { strategy: 'health' });
    const held = [lb.acquire(), lb.acquire()];
    expect(new Set(held.map((l) => l.id)).size).toBe(2);
    const third = lb.acquire();
    expect(held.map((l) => l.id)).not.toContain(third.id);
  });
  it('ejects an endpoint after consecutive failures and reinstates it after the cool-down', () => {
    const clock = manualClock();
    const events: ResilienceEvent[] = [];
    const lb = new LoadBalancer(ids(3), { clock, ejectAfterFailures: 2, ejectionMs: 1000, onEvent: (e) => events.push(e) });
    for (let i = 0; i < 6; i++) {
      const l = lb.acquire();
      l.release(l.id === 'node-0' ? 'failure' : 'success');
    }
    expect(events).toContainEqual({ type: 'ejected', endpointId: 'node-0', untilMs: clock.now() + 1000 });
    expect([...countPicks(lb, 100).keys()].sort()).toEqual(['node-1', 'node-2']);
    clock.advance(1000);
    expect(countPicks(lb, 99).get('node-0')).toBe(33);
  });
  it('skips endpoints failing active probes, and takes them back when they pass', async () => {
    const healthy = new Set(['node-1', 'node-2']);
    const lb = new LoadBalancer(ids(3), {
      probe: { intervalMs: 60_000, check: async (v) => healthy.has(`node-${v}`) },
    });
    await lb.probeNow();
    expect(countPicks(lb, 50).has('node-0')).toBe(false);
    healthy.add('node-0');
    await lb.probeNow();
    expect(countPicks(lb, 30).get('node-0')).toBe(10);
    lb.close();
  });
  it('throws CircuitOpenError when every circuit is open', () => {
    const lb = new LoadBalancer(ids(2), { breaker: { failureThreshold: 1 }, ejectAfterFailures: 0 });
    lb.acquire().release('failure');
    lb.acquire().release('failure');
    expect(() => lb.acquire()).toThrow(CircuitOpenError);
  });
});

describe('ResilientCaller over several endpoints', () => {
  it('skips a dead endpoint: every call succeeds, the dead one is ejected and then left alone', async () => {
    const clock = manualClock();
    const calls = new Map<string, number>();
    const caller = new ResilientCaller({
      provider: 'test', endpoints: ids(3), clock, balancer: { ejectAfterFailures: 2, ejectionMs: 60_000 },
    });
    const results: number[] = [];
    for (let i = 0; i < 60; i++) {
      results.push(await caller.call(async ({ endpoint, endpointId }) => {
        calls.set(endpointId, (calls.get(endpointId) ?? 0) + 1);
        if (endpoint === 0) throw new ConnectionError('connection refused', { provider: 'test' });
        return endpoint;
      }));
    }
    expect(results.every((r) => r === 1 || r === 2)).toBe(true);
    expect(calls.get('node-0')).toBe(2); // two failures, then ejected
    expect(clock.sleeps.every((ms) => ms === 0)).toBe(true); // failover is immediate, no backoff
    expect(caller.status().find((s) => s.id === 'node-0')!.ejected).toBe(true);
  });
  it('consistent hashing fails over to the next endpoint in the key’s ranking', async () => {
    const caller = new ResilientCaller({ provider: 'test', endpoints: ids(4), balancer: { strategy: 'consistent-hash' } });
    const key = 'some text';
    const owner = caller.balancer.ownerOf(key);
    const seen: string[] = [];
    const got = await caller.call(async ({ endpointId }) => {
      seen.push(endpointId);
      if (endpointId === owner) throw new ConnectionError('down', { provider: 'test' });
      return endpointId;
    }, { key });
    expect(seen[0]).toBe(owner);
    expect(got).not.toBe(owner);
    // The fallback is stable: the same key fails over to the same endpoint.
    const again = await caller.call(async ({ endpointId }) => {
      if (endpointId === owner) throw new ConnectionError('down', { provider: 'test' });
      return endpointId;
    }, { key });
    expect(again).toBe(got);
  });
});
