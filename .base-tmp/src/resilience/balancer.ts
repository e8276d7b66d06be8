/**
 * A load balancer over endpoints serving the same model: round-robin, smooth weighted round-robin, least-loaded
 * ("health") and consistent hashing (weighted rendezvous hashing), with a circuit breaker per endpoint, passive
 * ejection of failing endpoints and optional active health probes.
 *
 * No library: the npm balancers are HTTP proxies (`http-proxy`, `loadbalancer`) or unmaintained ring
 * implementations (`hashring`); selection over a handful of endpoints is a few dozen lines, and rendezvous
 * hashing moves the provable minimum of keys (1/(N+1) on average) when an endpoint joins.
 *
 * @module
 */
import { CircuitOpenError, ValidationError } from '../core/errors.js';
import { CircuitBreaker, type CallOutcome, type CircuitBreakerOptions, type CircuitState } from './breaker.js';
import { type Clock, systemClock } from './clock.js';
import { emit, type ResilienceEventListener } from './events.js';
import { hashString, unitFromPair } from './hash.js';
import { withTimeout } from './timeout.js';

/** How the balancer picks among eligible endpoints. */
export type BalanceStrategy = 'round-robin' | 'weighted' | 'health' | 'consistent-hash';

/** One endpoint: an id, whatever the caller needs to reach it (`value`), and a weight. */
export interface EndpointSpec<E> {
  /** Unique id, used in events, errors and for consistent hashing (keep it stable across restarts). */
  id: string;
  /** What the call function receives: a URL, a client, a worker handle. */
  value: E;
  /**
   * Relative share of traffic for `weighted` and `consistent-hash` (and capacity for `health`).
   * @defaultValue 1
   */
  weight?: number;
}

/** An optional active health check, run for every endpoint every `intervalMs`. */
export interface HealthProbeOptions<E> {
  /** Resolves when the endpoint is healthy; rejects (or resolves `false`) when it is not. */
  check: (endpoint: E, signal: AbortSignal) => Promise<unknown>;
  /**
   * Milliseconds between probe rounds.
   * @defaultValue 10000
   */
  intervalMs?: number;
  /**
   * Milliseconds one probe may take.
   * @defaultValue 5000
   */
  timeoutMs?: number;
}

/** Options for {@link LoadBalancer}. */
export interface BalancerOptions<E> {
  /**
   * Selection strategy. Every strategy skips endpoints whose circuit is open, that are ejected, or that failed
   * their last probe (unless no other endpoint is left).
   * @defaultValue 'round-robin'
   */
  strategy?: BalanceStrategy;
  /**
   * Consecutive failures after which an endpoint is ejected for `ejectionMs` (passive health checking). Only
   * applies when there are at least two endpoints. `0` disables ejection.
   * @defaultValue 3
   */
  ejectAfterFailures?: number;
  /**
   * Milliseconds an ejected endpoint is skipped.
   * @defaultValue 30000
   */
  ejectionMs?: number;
  /**
   * Circuit-breaker settings for every endpoint, or `false` for none.
   * @defaultValue `{ failureThreshold: 5, halfOpenAfterMs: 60000, successThreshold: 2 }`
   */
  breaker?: CircuitBreakerOptions | false;
  /**
   * Active health probing; none by default.
   * @defaultValue undefined
   */
  probe?: HealthProbeOptions<E>;
  /**
   * Time source.
   * @defaultValue systemClock
   */
  clock?: Clock;
  /**
   * Receives breaker, ejection and probe events.
   * @defaultValue none
   */
  onEvent?: ResilienceEventListener;
  /**
   * Provider name put on the errors the balancer raises.
   * @defaultValue 'balancer'
   */
  provider?: string;
}

/** A snapshot of one endpoint's health, from {@link LoadBalancer.status}. */
export interface EndpointStatus {
  /** The endpoint's id. */
  id: string;
  /** Its weight. */
  weight: number;
  /** Circuit state (`'closed'` when breakers are disabled). */
  circuit: CircuitState;
  /** Whether it is currently ejected. */
  ejected: boolean;
  /** Result of the last active probe (`undefined` before the first one or without probes). */
  probeHealthy: boolean | undefined;
  /** Calls in flight. */
  inFlight: number;
  /** Consecutive failures. */
  consecutiveFailures: number;
}

/** Permission to call one endpoint; call {@link EndpointLease.release} exactly once when the call ends. */
export interface EndpointLease<E> {
  /** The endpoint's id. */
  readonly id: string;
  /** The endpoint's value. */
  readonly value: E;
  /**
   * Reports how the call went; updates the breaker, ejection state and load.
   *
   * @param outcome - `'success'`, `'failure'` (counts against the endpoint's health) or `'ignored'`
   */
  release(outcome: CallOutcome): void;
}

interface Slot<E> {
  spec: Required<EndpointSpec<E>>;
  index: number;
  hashA: number;
  hashB: number;
  breaker: CircuitBreaker | undefined;
  ejectedUntil: number;
  consecutiveFailures: number;
  errorRate: number;
  probeHealthy: boolean | undefined;
  inFlight: number;
  current: number; // smooth weighted round-robin state
}

/**
 * Spreads calls over endpoints and steers them away from unhealthy ones. Use it through
 * {@link ResilientCaller}, which also retries and fails over; use it directly to build something else.
 *
 * @example
 * ```ts
 * const lb = new LoadBalancer([{ id: 'a', value: 'http://a:8080' }, { id: 'b', value: 'http://b:8080', weight: 2 }],
 *   { strategy: 'weighted' });
 * const lease = lb.acquire();
 * try { await call(lease.value); lease.release('success'); } catch (e) { lease.release('failure'); throw e; }
 * ```
 */
export class LoadBalancer<E> {
  readonly #slots: Slot<E>[];
  readonly #strategy: BalanceStrategy;
  readonly #ejectAfter: number;
  readonly #ejectionMs: number;
  readonly #clock: Clock;
  readonly #onEvent: ResilienceEventListener | undefined;
  readonly #provider: string;
  readonly #probe: HealthProbeOptions<E> | undefined;
  #rr = 0;
  #probeTimer: NodeJS.Timeout | undefined;
  #probeAbort = new AbortController();
  #closed = false;

  /**
   * @param endpoints - at least one endpoint; ids must be unique
   * @param options - strategy, ejection, breaker, probe, clock
   * @throws {@link ValidationError} when the list is empty, an id repeats or a weight is not positive
   */
  constructor(endpoints: readonly EndpointSpec<E>[], options: BalancerOptions<E> = {}) {
    if (endpoints.length === 0) throw new ValidationError('LoadBalancer needs at least one endpoint');
    this.#strategy = options.strategy ?? 'round-robin';
    if (!['round-robin', 'weighted', 'health', 'consistent-hash'].includes(this.#strategy)) {
      throw new ValidationError(`Unknown balancing strategy "${String(this.#strategy)}"`);
    }
    this.#ejectAfter = options.ejectAfterFailures ?? 3;
    this.#ejectionMs = options.ejectionMs ?? 30_000;
    this.#clock = options.clock ?? systemClock;
    this.#onEvent = options.onEvent;
    this.#provider = options.provider ?? 'balancer';
    this.#probe = options.probe;
    const seen = new Set<string>();
    this.#slots = endpoints.map((e, index) => {
      if (typeof e.id !== 'string' || e.id === '') throw new ValidationError('Endpoint ids must be non-empty strings');
      if (seen.has(e.id)) throw new ValidationError(`Duplicate endpoint id "${e.id}"`);
      seen.add(e.id);
      const weight = e.weight ?? 1;
      if (!(weight > 0) || !Number.isFinite(weight)) throw new ValidationError(`Endpoint "${e.id}" needs a positive weight`);
      const breaker = options.breaker === false ? undefined : new CircuitBreaker({
        ...options.breaker,
        clock: options.breaker?.clock ?? this.#clock,
        onStateChange: (state) => {
          options.breaker && options.breaker.onStateChange?.(state);
          emit(this.#onEvent, { type: 'breaker', endpointId: e.id, state });
        },
      });
      return {
        spec: { id: e.id, value: e.value, weight }, index, hashA: hashString(e.id, 1), hashB: hashString(e.id, 2),
        breaker, ejectedUntil: 0, consecutiveFailures: 0, errorRate: 0, probeHealthy: undefined, inFlight: 0, current: 0,
      };
    });
    if (this.#probe) this.#startProbes();
  }

  /** The selection strategy. */
  get strategy(): BalanceStrategy {
    return this.#strategy;
  }

  /** Number of endpoints. */
  get size(): number {
    return this.#slots.length;
  }

  /**
   * A snapshot of every endpoint's health.
   *
   * @returns one entry per endpoint, in declaration order
   */
  status(): EndpointStatus[] {
    const now = this.#clock.now();
    return this.#slots.map((s) => ({
      id: s.spec.id, weight: s.spec.weight, circuit: s.breaker?.state ?? 'closed', ejected: s.ejectedUntil > now,
      probeHealthy: s.probeHealthy, inFlight: s.inFlight, consecutiveFailures: s.consecutiveFailures,
    }));
  }

  /**
   * The endpoint a key belongs to under consistent hashing, ignoring health: use it to group inputs by owner
   * before batching, so each endpoint sees the same texts every time.
   *
   * @param key - e.g. the input text
   * @returns the owning endpoint's id
   */
  ownerOf(key: string): string {
    return this.#rendezvous(key, this.#slots).spec.id;
  }

  /**
   * Picks an endpoint for one call and takes a slot on it (a half-open circuit admits limited trial calls).
   *
   * @param options - `key` for consistent hashing; `avoid`: ids already tried by this call, used only if nothing
   *   else is eligible
   * @returns a lease to release when the call ends
   * @throws {@link CircuitOpenError} when every endpoint's circuit is open
   */
  acquire(options: { key?: string; avoid?: ReadonlySet<string> } = {}): EndpointLease<E> {
    const now = this.#clock.now();
    const passable = this.#slots.filter((s) => !s.breaker || s.breaker.canPass());
    if (passable.length === 0) {
      const wait = Math.min(...this.#slots.map((s) => s.breaker?.msUntilHalfOpen() ?? 0));
      throw new CircuitOpenError(
        `All ${this.#slots.length} endpoint circuit(s) are open; next trial in ${Math.ceil(wait)} ms`,
        { provider: this.#provider, retryAfterMs: wait },
      );
    }
    const healthy = passable.filter((s) => s.ejectedUntil <= now && s.probeHealthy !== false);
    // Panic mode: when every endpoint is ejected or failing probes, trying one beats failing outright.
    const pool = healthy.length > 0 ? healthy : passable;
    const fresh = options.avoid?.size ? pool.filter((s) => !options.avoid!.has(s.spec.id)) : pool;
    const slot = this.#pick(fresh.length > 0 ? fresh : pool, options.key);
    slot.breaker?.tryAcquire();
    slot.inFlight++;
    let released = false;
    return {
      id: slot.spec.id,
      value: slot.spec.value,
      release: (outcome) => {
        if (released) return;
        released = true;
        slot.inFlight--;
        slot.breaker?.record(outcome);
        this.#report(slot, outcome);
      },
    };
  }

  /**
   * Whether an endpoint other than those in `tried` could take a call now.
   *
   * @param tried - ids already tried
   * @returns true when failing over makes sense
   */
  hasUntried(tried: ReadonlySet<string>): boolean {
    const now = this.#clock.now();
    return this.#slots.some((s) => !tried.has(s.spec.id) && (!s.breaker || s.breaker.canPass())
      && s.ejectedUntil <= now && s.probeHealthy !== false);
  }

  /**
   * Runs one round of health probes now (also what the interval timer does).
   *
   * @returns when every probe has finished
   */
  async probeNow(): Promise<void> {
    const probe = this.#probe;
    if (!probe || this.#closed) return;
    await Promise.all(this.#slots.map(async (s) => {
      let healthy = false;
      let error: unknown;
      try {
        const r = await withTimeout((signal) => probe.check(s.spec.value, signal),
          { signal: this.#probeAbort.signal, timeout: probe.timeoutMs ?? 5_000, what: 'health probe' });
        healthy = r !== false;
      } catch (err) {
        error = err;
      }
      if (this.#closed) return;
      s.probeHealthy = healthy;
      if (healthy) {
        s.ejectedUntil = 0;
        s.consecutiveFailures = 0;
      }
      emit(this.#onEvent, { type: 'probe', endpointId: s.spec.id, healthy, ...(error === undefined ? {} : { error }) });
    }));
  }

  /** Stops the health probes. The balancer still answers `acquire`. */
  close(): void {
    this.#closed = true;
    clearInterval(this.#probeTimer);
    this.#probeAbort.abort();
  }

  #startProbes(): void {
    const every = this.#probe!.intervalMs ?? 10_000;
    this.#probeTimer = setInterval(() => void this.probeNow(), every);
    this.#probeTimer.unref();
    void this.probeNow();
  }

  #report(slot: Slot<E>, outcome: CallOutcome): void {
    if (outcome === 'ignored') return;
    slot.errorRate = 0.8 * slot.errorRate + (outcome === 'failure' ? 0.2 : 0);
    if (outcome === 'success') {
      slot.consecutiveFailures = 0;
      return;
    }
    slot.consecutiveFailures++;
    if (this.#ejectAfter > 0 && this.#slots.length > 1 && slot.consecutiveFailures >= this.#ejectAfter) {
      slot.ejectedUntil = this.#clock.now() + this.#ejectionMs;
      slot.consecutiveFailures = 0;
      emit(this.#onEvent, { type: 'ejected', endpointId: slot.spec.id, untilMs: slot.ejectedUntil });
    }
  }

  #pick(pool: Slot<E>[], key: string | undefined): Slot<E> {
    if (pool.length === 1) return pool[0];
    switch (this.#strategy) {
      case 'weighted': {
        // Smooth weighted round-robin (nginx): exact proportions, no bursts.
        let total = 0;
        let best = pool[0];
        for (const s of pool) {
          s.current += s.spec.weight;
          total += s.spec.weight;
          if (s.current > best.current) best = s;
        }
        best.current -= total;
        return best;
      }
      case 'health': {
        let best = pool[0];
        let bestScore = Infinity;
        for (const s of this.#rotation(pool)) {
          const score = ((s.inFlight + 1) / s.spec.weight) * (1 + 4 * s.errorRate);
          if (score < bestScore) {
            best = s;
            bestScore = score;
          }
        }
        this.#rr = best.index + 1;
        return best;
      }
      case 'consistent-hash':
        if (key !== undefined) return this.#rendezvous(key, pool);
        return this.#roundRobin(pool);
      default:
        return this.#roundRobin(pool);
    }
  }

  /** The pool in declaration order, starting after the last pick (round-robin tie-breaking). */
  #rotation(pool: Slot<E>[]): Slot<E>[] {
    const n = this.#slots.length;
    const start = this.#rr % n;
    return [...pool].sort((a, b) => ((a.index - start + n) % n) - ((b.index - start + n) % n));
  }

  #roundRobin(pool: Slot<E>[]): Slot<E> {
    const pick = this.#rotation(pool)[0];
    this.#rr = pick.index + 1;
    return pick;
  }

  /** Weighted rendezvous (highest random weight) hashing: score = −weight / ln(u). */
  #rendezvous(key: string, pool: Slot<E>[]): Slot<E> {
    const a = hashString(key, 11);
    const b = hashString(key, 12);
    let best = pool[0];
    let bestScore = -Infinity;
    for (const s of pool) {
      const score = -s.spec.weight / Math.log(unitFromPair(a, b, s.hashA, s.hashB));
      if (score > bestScore) {
        best = s;
        bestScore = score;
      }
    }
    return best;
  }
}
