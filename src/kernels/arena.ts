/**
 * A memory arena for the distance kernels: one growable `WebAssembly.Memory`, a small first-fit allocator over
 * it (16-byte aligned blocks, coalescing free list), typed-array views that are re-created after every growth,
 * and the kernels bound to that memory.
 *
 * WebAssembly computes only on its own linear memory, so vectors the kernels should read must live here.
 * Limits and layout (see docs/kernels.md):
 * - wasm32 addresses are 32-bit: one arena holds at most 4 GiB (65,536 pages of 64 KiB), e.g. ~2.7M float32
 *   vectors of 384 dimensions or ~11M int8 ones. Past that, shard across arenas (or quantize).
 * - Growing the memory detaches the old `ArrayBuffer`: any typed array made over it earlier reads as empty.
 *   Read `arena.views.f32` (etc.) again after any `alloc`/`realloc`, or compare {@link KernelArena.generation}.
 * - Byte offsets stay valid across growth (growth appends pages); they change only when `realloc` moves a block.
 * - Lay vectors out contiguously, one block per collection, with a row stride that is a multiple of 16 bytes
 *   (`strideBytes = ceil(dim * 4 / 16) * 16` for float32), so block scans stream and rows start aligned.
 *
 * @module
 * @internal
 */
import { CapacityError, UnsupportedError, ValidationError } from '../core/errors.js';
import { createJsKernels } from './js.js';
import { MEASURED_PREFERENCE, SCALAR_WASM_OPS } from './select.js';
import { KERNEL_OPS, type ArenaViews, type DistanceKernels, type KernelBackend, type KernelImpl, type KernelOp } from './types.js';
import { instantiateWasmKernels, wasmSimdSupported } from './wasm.js';
import { wasmApi, type WasmMemory } from './wasm-api.js';

/** Bytes in one WebAssembly page. @internal */
export const WASM_PAGE_BYTES = 65_536;
/** The most a wasm32 memory can hold: 65,536 pages = 4 GiB. @internal */
export const WASM32_MAX_BYTES = WASM_PAGE_BYTES * 65_536;
/** Alignment of every block the arena hands out. @internal */
export const ARENA_ALIGN = 16;
/** Offset 0..15 is never handed out, so 0 can mean "no block". */
const RESERVED = ARENA_ALIGN;

/** Options of {@link KernelArena}. @internal */
export interface KernelArenaOptions {
  /**
   * Bytes to reserve at creation (rounded up to whole 64 KiB pages, capped at `maxBytes`).
   * @defaultValue 1 MiB
   */
  initialBytes?: number;
  /**
   * The most the memory may grow to (rounded down to whole pages).
   * @defaultValue 4 GiB ({@link WASM32_MAX_BYTES})
   */
  maxBytes?: number;
  /**
   * `auto`: WebAssembly SIMD where supported and measured faster, per operation; `wasm`: WebAssembly for every
   * operation (throws where SIMD is missing); `js`: the plain-JS kernels only.
   * @defaultValue 'auto'
   */
  backend?: KernelBackend;
  /**
   * Make the memory shared (`WebAssembly.Memory({ shared: true })`, a SharedArrayBuffer): worker threads can then
   * attach to it ({@link KernelArena.attach}) and run the same kernels over the same bytes. Growth is in place.
   * @defaultValue false
   */
  shared?: boolean;
}

/** A snapshot of an arena's use of its memory. @internal */
export interface ArenaStats {
  /** Current size of the memory. */
  byteLength: number;
  /** Bytes in live blocks. */
  usedBytes: number;
  /** Bytes in free blocks below the top. */
  freeBytes: number;
  /** Live blocks. */
  blocks: number;
  /** Times the memory has grown. */
  generation: number;
}

const roundUp = (n: number, to: number): number => Math.ceil(n / to) * to;

/**
 * Memory, allocator and kernels in one object.
 *
 * @example
 * ```ts
 * const arena = new KernelArena();
 * const dim = 384, n = 1000, stride = dim * 4;
 * const rows = arena.alloc(n * stride);        // candidate vectors
 * const query = arena.alloc(dim * 4);
 * const out = arena.alloc(n * 4);
 * arena.views.f32.set(vectors, rows >>> 2);     // re-read views after every alloc
 * arena.views.f32.set(q, query >>> 2);
 * arena.kernels.dotF32Block(query, rows, stride, n, dim, out);
 * const scores = arena.views.f32.subarray(out >>> 2, (out >>> 2) + n);
 * ```
 * @internal
 */
export class KernelArena {
  /** The WebAssembly memory the kernels read. */
  readonly memory: WasmMemory;
  /** Whole-memory typed-array views, replaced in place after each growth: read them after every allocation. */
  readonly views: ArenaViews;
  /** The kernels bound to this memory. */
  readonly kernels: DistanceKernels;
  /** Upper bound on the memory's size, in bytes. */
  readonly maxBytes: number;
  /** Whether the memory is shared (its buffer a SharedArrayBuffer other threads may map). */
  readonly shared: boolean;
  /** Attached to another thread's memory ({@link KernelArena.attach}): kernels and views only, no allocation. */
  readonly attached: boolean;

  #generation = 0;
  /** End of the highest block (live, or free but not yet returned): everything from here up is unused. */
  #top = RESERVED;
  /** Bytes at or above this offset have never been handed out since they were added, so they are still zero. */
  #clean = RESERVED;
  /** Live blocks: offset → size. */
  readonly #sizes = new Map<number, number>();
  /** Free blocks below #top, sorted by offset, never adjacent (coalesced). */
  readonly #freeOff: number[] = [];
  readonly #freeLen: number[] = [];

  /**
   * @param options - initial and maximum size, backend
   * @throws {ValidationError} for malformed sizes or an unknown backend
   * @throws {UnsupportedError} for `backend: 'wasm'` where WebAssembly SIMD is missing
   * @throws {CapacityError} when the engine refuses the initial memory
   */
  constructor(options: KernelArenaOptions = {}, attachTo?: WasmMemory) {
    const backend = options.backend ?? 'auto';
    if (backend !== 'auto' && backend !== 'wasm' && backend !== 'js') {
      throw new ValidationError(`backend must be "auto", "wasm" or "js", got ${JSON.stringify(backend)}`);
    }
    const maxBytes = options.maxBytes ?? WASM32_MAX_BYTES;
    if (!Number.isSafeInteger(maxBytes) || maxBytes < WASM_PAGE_BYTES || maxBytes > WASM32_MAX_BYTES) {
      throw new ValidationError(`maxBytes must be an integer from ${WASM_PAGE_BYTES} to ${WASM32_MAX_BYTES}, got ${maxBytes}`);
    }
    const maxPages = Math.floor(maxBytes / WASM_PAGE_BYTES);
    this.maxBytes = maxPages * WASM_PAGE_BYTES;
    const initialBytes = options.initialBytes ?? 1 << 20;
    if (!Number.isSafeInteger(initialBytes) || initialBytes < 0) {
      throw new ValidationError(`initialBytes must be a non-negative integer, got ${initialBytes}`);
    }
    const initialPages = Math.min(maxPages, Math.max(1, Math.ceil(initialBytes / WASM_PAGE_BYTES)));
    if (wasmApi === undefined) throw new UnsupportedError('this runtime has no WebAssembly; the kernel arena needs its Memory');
    this.shared = attachTo !== undefined || options.shared === true;
    this.attached = attachTo !== undefined;
    try {
      this.memory = attachTo ?? new wasmApi.Memory({ initial: initialPages, maximum: maxPages, ...(this.shared ? { shared: true } : {}) });
    } catch (cause) {
      throw new CapacityError(`could not create a WebAssembly memory of ${initialPages} pages`, {
        cause,
        requestedBytes: initialPages * WASM_PAGE_BYTES,
        limitBytes: this.maxBytes,
      });
    }
    this.views = {
      u8: new Uint8Array(0),
      i8: new Int8Array(0),
      i16: new Int16Array(0),
      i32: new Int32Array(0),
      u32: new Uint32Array(0),
      f32: new Float32Array(0),
    };
    this.#refreshViews();

    if (backend === 'wasm' && !wasmSimdSupported()) {
      throw new UnsupportedError('WebAssembly SIMD is not supported by this runtime; use backend "auto" or "js"');
    }
    const js = createJsKernels(this.views);
    const wasm = backend !== 'js' && wasmSimdSupported() ? instantiateWasmKernels(this.memory) : undefined;
    const impl = {} as Record<KernelOp, KernelImpl>;
    const chosen: Record<string, unknown> = {};
    for (const op of KERNEL_OPS) {
      const useWasm = wasm !== undefined && (backend === 'wasm' || MEASURED_PREFERENCE[op] === 'wasm');
      impl[op] = useWasm ? (SCALAR_WASM_OPS.has(op) ? 'wasm' : 'wasm-simd') : 'js';
      chosen[op] = useWasm ? wasm[op] : js[op];
    }
    this.kernels = Object.freeze({ ...(chosen as Omit<DistanceKernels, 'impl'>), impl: Object.freeze(impl) });
  }

  /**
   * Maps a shared arena's memory in this thread (a worker): the kernels and views over the same bytes, with no
   * allocator (alloc, realloc and free throw). Call {@link KernelArena.sync} before reading when the owner may have
   * grown the memory.
   *
   * @param memory - the owner's shared `memory` (sent to this thread with postMessage)
   * @param backend - kernel backend
   * @returns the attached arena
   * @throws {ValidationError} when the memory is not shared
   */
  static attach(memory: WasmMemory, backend: KernelBackend = 'auto'): KernelArena {
    if (!(memory.buffer instanceof SharedArrayBuffer)) throw new ValidationError('only a shared memory can be attached from another thread');
    return new KernelArena({ backend }, memory);
  }

  /**
   * Re-reads the memory's length (another thread may have grown a shared memory) and refreshes the views when it
   * changed.
   *
   * @returns whether the views were replaced
   */
  sync(): boolean {
    if (this.memory.buffer.byteLength === this.views.u8.length) return false;
    this.#generation++;
    this.#refreshViews();
    return true;
  }

  /** Times the memory has grown (each growth replaced the views). */
  get generation(): number {
    return this.#generation;
  }

  /** Current size of the memory in bytes. */
  get byteLength(): number {
    return this.memory.buffer.byteLength;
  }

  /**
   * Allocates a zero-filled block of at least `bytes` bytes, 16-byte aligned. May grow the memory, which
   * replaces {@link KernelArena.views}.
   *
   * @param bytes - size in bytes (0 gives a 16-byte block)
   * @returns the block's byte offset (never 0)
   * @throws {ValidationError} when `bytes` is not a non-negative integer
   * @throws {CapacityError} when the memory cannot grow enough (its maximum, at most 4 GiB, or the engine refused)
   */
  alloc(bytes: number): number {
    this.#owned();
    const size = this.#blockSize(bytes);
    const lens = this.#freeLen;
    for (let i = 0; i < lens.length; i++) {
      if (lens[i] < size) continue;
      const off = this.#freeOff[i];
      if (lens[i] === size) {
        this.#freeOff.splice(i, 1);
        lens.splice(i, 1);
      } else {
        this.#freeOff[i] += size;
        lens[i] -= size;
      }
      this.#sizes.set(off, size);
      this.#zero(off, off + size);
      return off;
    }
    const off = this.#top;
    this.#ensure(off + size, bytes);
    this.#top = off + size;
    this.#sizes.set(off, size);
    this.#zero(off, off + size);
    return off;
  }

  /**
   * Resizes a block, keeping its first `min(old, new)` bytes; bytes past the old block's end (its
   * {@link KernelArena.sizeOf}, the request rounded up to 16) are zero. Grows in place
   * when the block is the highest one or is followed by enough free space, else moves it.
   *
   * @param offset - a block from {@link KernelArena.alloc}
   * @param bytes - the new size in bytes
   * @returns the block's offset, which differs from `offset` when it moved
   * @throws {ValidationError} when `offset` is not a live block or `bytes` is malformed
   * @throws {CapacityError} when the memory cannot grow enough
   */
  realloc(offset: number, bytes: number): number {
    this.#owned();
    const old = this.#liveSize(offset);
    const size = this.#blockSize(bytes);
    if (size <= old) {
      if (size < old) {
        this.#sizes.set(offset, size);
        this.#release(offset + size, old - size);
      }
      return offset;
    }
    const end = offset + old;
    if (end === this.#top) {
      this.#ensure(offset + size, bytes);
      this.#top = offset + size;
      this.#sizes.set(offset, size);
      this.#zero(end, offset + size);
      return offset;
    }
    const i = this.#freeOff.indexOf(end);
    if (i >= 0 && this.#freeLen[i] >= size - old) {
      const extra = size - old;
      if (this.#freeLen[i] === extra) {
        this.#freeOff.splice(i, 1);
        this.#freeLen.splice(i, 1);
      } else {
        this.#freeOff[i] += extra;
        this.#freeLen[i] -= extra;
      }
      this.#sizes.set(offset, size);
      this.#zero(end, offset + size);
      return offset;
    }
    const moved = this.alloc(size);
    this.views.u8.copyWithin(moved, offset, end);
    this.free(offset);
    return moved;
  }

  /**
   * Returns a block to the arena. Its offset must not be used afterwards.
   *
   * @param offset - a block from {@link KernelArena.alloc} or {@link KernelArena.realloc}
   * @throws {ValidationError} when `offset` is not a live block (never allocated, or already freed)
   */
  free(offset: number): void {
    this.#owned();
    const size = this.#liveSize(offset);
    this.#sizes.delete(offset);
    this.#release(offset, size);
  }

  /**
   * Size of a live block in bytes (its requested size rounded up to 16).
   *
   * @param offset - a live block
   * @returns its size
   * @throws {ValidationError} when `offset` is not a live block
   */
  sizeOf(offset: number): number {
    return this.#liveSize(offset);
  }

  /** @returns how the memory is used right now */
  stats(): ArenaStats {
    let used = 0;
    for (const s of this.#sizes.values()) used += s;
    let free = 0;
    for (const l of this.#freeLen) free += l;
    return { byteLength: this.byteLength, usedBytes: used, freeBytes: free, blocks: this.#sizes.size, generation: this.#generation };
  }

  /**
   * Copies float32 values into the memory at `offset` (a checked convenience; hot paths write `views.f32`).
   *
   * @param offset - byte offset, 4-byte aligned
   * @param values - the values
   * @throws {ValidationError} when the range is misaligned or outside the memory
   */
  writeF32(offset: number, values: ArrayLike<number>): void {
    this.#checkRange(offset, values.length * 4, 4);
    this.views.f32.set(values, offset >>> 2);
  }

  /**
   * Copies int8 values into the memory at `offset`.
   *
   * @param offset - byte offset
   * @param values - the values (each in -128..127; others wrap as `Int8Array` does)
   * @throws {ValidationError} when the range is outside the memory
   */
  writeI8(offset: number, values: ArrayLike<number>): void {
    this.#checkRange(offset, values.length, 1);
    this.views.i8.set(values, offset);
  }

  /**
   * Copies int16 values (an int16-scaled query for the `dotI16I8` kernels) into the memory at `offset`.
   *
   * @param offset - byte offset, 2-byte aligned
   * @param values - the values (each in -32768..32767; others wrap as `Int16Array` does)
   * @throws {ValidationError} when the range is misaligned or outside the memory
   */
  writeI16(offset: number, values: ArrayLike<number>): void {
    this.#checkRange(offset, values.length * 2, 2);
    this.views.i16.set(values, offset >>> 1);
  }

  /**
   * Copies uint32 values (e.g. candidate ids for a gather kernel) into the memory at `offset`.
   *
   * @param offset - byte offset, 4-byte aligned
   * @param values - the values
   * @throws {ValidationError} when the range is misaligned or outside the memory
   */
  writeU32(offset: number, values: ArrayLike<number>): void {
    this.#checkRange(offset, values.length * 4, 4);
    this.views.u32.set(values, offset >>> 2);
  }

  /**
   * Copies `length` float32 values out of the memory (the copy stays valid after growth).
   *
   * @param offset - byte offset, 4-byte aligned
   * @param length - number of floats
   * @returns a new Float32Array
   * @throws {ValidationError} when the range is misaligned or outside the memory
   */
  readF32(offset: number, length: number): Float32Array {
    this.#checkRange(offset, length * 4, 4);
    return this.views.f32.slice(offset >>> 2, (offset >>> 2) + length);
  }

  /**
   * Copies `length` int32 values out of the memory (results of the int8 × int8 kernels).
   *
   * @param offset - byte offset, 4-byte aligned
   * @param length - number of ints
   * @returns a new Int32Array
   * @throws {ValidationError} when the range is misaligned or outside the memory
   */
  readI32(offset: number, length: number): Int32Array {
    this.#checkRange(offset, length * 4, 4);
    return this.views.i32.slice(offset >>> 2, (offset >>> 2) + length);
  }

  #owned(): void {
    if (this.attached) throw new UnsupportedError('an attached arena cannot allocate: its owner thread does');
  }

  #blockSize(bytes: number): number {
    if (!Number.isSafeInteger(bytes) || bytes < 0) {
      throw new ValidationError(`allocation size must be a non-negative integer, got ${bytes}`);
    }
    const size = Math.max(ARENA_ALIGN, roundUp(bytes, ARENA_ALIGN));
    if (size > this.maxBytes - RESERVED) {
      throw new CapacityError(`cannot allocate ${bytes} bytes: the arena holds at most ${this.maxBytes} bytes (wasm32)`, {
        requestedBytes: bytes,
        limitBytes: this.maxBytes,
      });
    }
    return size;
  }

  #liveSize(offset: number): number {
    const size = this.#sizes.get(offset);
    if (size === undefined) throw new ValidationError(`offset ${offset} is not a live block of this arena`);
    return size;
  }

  /** Grows the memory so that [0, end) exists: at least doubling (amortized O(1) per byte), capped at the maximum. */
  #ensure(end: number, requested: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    if (end > this.maxBytes) {
      throw new CapacityError(
        `cannot allocate ${requested} bytes: the arena would need ${end} bytes, past its maximum of ${this.maxBytes} (wasm32 memories hold at most 4 GiB)`,
        { requestedBytes: requested, limitBytes: this.maxBytes },
      );
    }
    const havePages = have / WASM_PAGE_BYTES;
    const needPages = Math.ceil(end / WASM_PAGE_BYTES);
    const maxPages = this.maxBytes / WASM_PAGE_BYTES;
    const wantPages = Math.min(maxPages, Math.max(needPages, havePages * 2));
    try {
      this.memory.grow(wantPages - havePages);
    } catch {
      try {
        this.memory.grow(needPages - havePages);
      } catch (cause) {
        throw new CapacityError(`the engine refused to grow the arena to ${needPages * WASM_PAGE_BYTES} bytes`, {
          cause,
          requestedBytes: requested,
          limitBytes: this.maxBytes,
        });
      }
    }
    this.#generation++;
    this.#refreshViews();
  }

  #refreshViews(): void {
    const buf = this.memory.buffer;
    const v = this.views;
    v.u8 = new Uint8Array(buf);
    v.i8 = new Int8Array(buf);
    v.i16 = new Int16Array(buf);
    v.i32 = new Int32Array(buf);
    v.u32 = new Uint32Array(buf);
    v.f32 = new Float32Array(buf);
  }

  /** Zeroes [from, to) where it may hold old data (below the never-used mark). */
  #zero(from: number, to: number): void {
    const dirtyEnd = Math.min(to, this.#clean);
    if (from < dirtyEnd) this.views.u8.fill(0, from, dirtyEnd);
    if (to > this.#clean) this.#clean = to;
  }

  /** Adds [off, off+len) to the free list, coalescing with neighbours and lowering the top when it touches it. */
  #release(off: number, len: number): void {
    const offs = this.#freeOff;
    const lens = this.#freeLen;
    // First free block after `off` (binary search).
    let lo = 0;
    let hi = offs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (offs[mid] < off) lo = mid + 1;
      else hi = mid;
    }
    let i = lo;
    if (i > 0 && offs[i - 1] + lens[i - 1] === off) {
      i--;
      off = offs[i];
      len += lens[i];
      offs.splice(i, 1);
      lens.splice(i, 1);
    }
    if (i < offs.length && off + len === offs[i]) {
      len += lens[i];
      offs.splice(i, 1);
      lens.splice(i, 1);
    }
    if (off + len === this.#top) {
      this.#top = off;
      return;
    }
    offs.splice(i, 0, off);
    lens.splice(i, 0, len);
  }

  #checkRange(offset: number, bytes: number, align: number): void {
    if (!Number.isSafeInteger(offset) || offset < 0 || offset % align !== 0 || offset + bytes > this.memory.buffer.byteLength) {
      throw new ValidationError(
        `range [${offset}, ${offset + bytes}) is misaligned (needs ${align}) or outside the arena's ${this.memory.buffer.byteLength} bytes`,
      );
    }
  }
}
