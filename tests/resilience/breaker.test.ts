import { describe, expect, it } from 'vitest';
import { CircuitBreaker, CircuitOpenError, type CircuitState } from '../../src/index.js';
import { manualClock } from '../helpers/clocks.js';

describe('CircuitBreaker', () => {
  it('opens after 5 consecutive failures, half-opens after 60 s, closes after 2 successes (defaults)', () => {
    const clock = manualClock();
    const states: CircuitState[] = [];
    const b = new CircuitBreaker({ clock, onStateChange: (s) => states.push(s) });
    for (let i = 0; i < 4; i++) {
      expect(b.tryAcquire()).toBe(true);
      b.record('failure');
    }
    b.tryAcquire();
    b.record('success'); // a success resets the count
    for (let i = 0; i < 5; i++) {
      expect(b.tryAcquire()).toBe(true);
      b.record('failure');
    }
    expect(b.state).toBe('open');
    expect(b.tryAcquire()).toBe(false);
    clock.advance(59_999);
    expect(b.tryAcquire()).toBe(false);
    expect(b.msUntilHalfOpen()).toBe(1);
    clock.advance(1);
    expect(b.state).toBe('half-open');
    expect(b.tryAcquire()).toBe(true);
    expect(b.tryAcquire()).toBe(false); // one trial at a time
    b.record('success');
    expect(b.state).toBe('half-open');
    expect(b.tryAcquire()).toBe(true);
    b.record('success');
    expect(b.state).toBe('closed');
    expect(states).toEqual(['open', 'half-open', 'closed']);
  });
  it('re-opens on a failed trial and waits the full period again', () => {
    const clock = manualClock();
    const b = new CircuitBreaker({ clock, failureThreshold: 1, halfOpenAfterMs: 1000 });
    b.tryAcquire();
    b.record('failure');
    clock.advance(1000);
    expect(b.tryAcquire()).toBe(true);
    b.record('success');
    expect(b.tryAcquire()).toBe(true);
    b.record('failure');
    expect(b.state).toBe('open');
    clock.advance(999);
    expect(b.canPass()).toBe(false);
    clock.advance(1);
    expect(b.canPass()).toBe(true);
  });
  it('ignored outcomes free the trial slot without counting', () => {
    const clock = manualClock();
    const b = new CircuitBreaker({ clock, failureThreshold: 1, halfOpenAfterMs: 10 });
    b.tryAcquire();
    b.record('failure');
    clock.advance(10);
    expect(b.tryAcquire()).toBe(true);
    b.record('ignored');
    expect(b.state).toBe('half-open');
    expect(b.tryAcquire()).toBe(true);
  });
  it('execute() refuses with CircuitOpenError while open', async () => {
    const b = new CircuitBreaker({ failureThreshold: 2, halfOpenAfterMs: 60_000 });
    const boom = () => Promise.reject(new Error('down'));
    await expect(b.execute(boom)).rejects.toThrow('down');
    await expect(b.execute(boom)).rejects.toThrow('down');
    let called = false;
    await expect(b.execute(async () => { called = true; })).rejects.toBeInstanceOf(CircuitOpenError);
    expect(called).toBe(false);
  });
});
