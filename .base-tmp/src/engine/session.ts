// One onnxruntime-node InferenceSession: created for a device (CUDA with CPU fallback under `auto`), its inputs checked
// against what the engine can feed, runs on flat feeds, float16 outputs widened to float32.
import { availableParallelism } from 'node:os';
import { AbiError, ModelLoadError, UnsupportedError, ValidationError } from '../core/errors.js';
import { cudaProviderInstalled, parseDevice, type Device } from './device.js';
import type { BatchFeeds } from './batcher.js';
import { loadOrt, type Ort } from './optional-deps.js';
import { halfToFloat } from '../internal/float16.js';

type OrtSession = Awaited<ReturnType<Ort['InferenceSession']['create']>>;
type OrtTensor = InstanceType<Ort['Tensor']>;

/** Default warning sink: `process.emitWarning` with code `ABI_LOCAL_ENGINE`. @internal */
export const emitEngineWarning = (message: string): void => process.emitWarning(message, { code: 'ABI_LOCAL_ENGINE' });

/** Options for creating a session. */
export interface SessionOptions {
  /**
   * Where to run.
   * @defaultValue `'cpu'`
   */
  device?: Device;
  /**
   * Intra-op threads (parallelism inside one model call). `0` lets onnxruntime choose (one per physical core).
   * @defaultValue 0
   */
  threads?: number;
  /**
   * Let onnxruntime's worker threads spin-wait for work instead of sleeping. Its default (on) keeps cores busy after
   * every call; measured here, that cost CPU between calls and made back-to-back calls slower when cores are shared,
   * so the engine turns it off unless asked.
   * @defaultValue false
   */
  spinning?: boolean;
  /**
   * Receives warnings that did not fail the call (the CPU fallback of `device: 'auto'`).
   * @defaultValue `process.emitWarning` with code `ABI_LOCAL_ENGINE`
   */
  onWarning?: (message: string) => void;
}

/** Inputs the engine knows how to feed. */
const FEEDABLE = new Set(['input_ids', 'attention_mask', 'token_type_ids', 'position_ids']);

/** A float output of one run, row-major. @internal */
export interface FloatOutput {
  data: Float32Array;
  dims: readonly number[];
}

/** An ONNX Runtime session with the engine's checks. @internal */
export class OnnxSession {
  /** Names of the graph's inputs. */
  readonly inputNames: readonly string[];
  /** Names of the graph's outputs. */
  readonly outputNames: readonly string[];
  /** Integer type of `input_ids`. */
  readonly intType: 'int64' | 'int32';
  /** Where it actually runs: `cpu` or `cuda:N`. */
  readonly device: string;
  private released = false;

  private constructor(
    private readonly ort: Ort,
    private readonly session: OrtSession,
    device: string,
  ) {
    this.inputNames = session.inputNames;
    this.outputNames = session.outputNames;
    this.device = device;
    const meta = (session as unknown as { inputMetadata?: { name: string; type?: string }[] }).inputMetadata;
    const idsMeta = Array.isArray(meta) ? meta.find((m) => m.name === 'input_ids') : undefined;
    this.intType = idsMeta?.type === 'int32' ? 'int32' : 'int64';
  }

  /**
   * Opens an ONNX file and checks it has `input_ids` and `attention_mask` and no input the engine cannot feed.
   *
   * @throws {ModelLoadError} when the file does not load or its inputs do not fit
   * @throws {UnsupportedError} when CUDA was asked for and is not available (never for `auto`)
   * @throws {ValidationError} for a bad device string or thread count
   */
  static async create(file: string, options: SessionOptions = {}): Promise<OnnxSession> {
    const plan = parseDevice(options.device);
    const threads = options.threads ?? 0;
    if (!Number.isInteger(threads) || threads < 0 || threads > 4 * availableParallelism() + 64) {
      throw new ValidationError(`threads must be an integer ≥ 0, got ${String(options.threads)}`);
    }
    const ort = await loadOrt();
    const base = {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: 'sequential' as const,
      graphOptimizationLevel: 'all' as const,
      logSeverityLevel: 3 as const,
      ...(options.spinning === true ? {} : {
        extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
      }),
    };
    const warn = options.onWarning ?? emitEngineWarning;
    let session: OrtSession | undefined;
    let device = 'cpu';
    if (plan.cudaDeviceId !== undefined) {
      const installed = cudaProviderInstalled();
      if (!installed && !plan.fallbackToCpu) {
        throw new UnsupportedError(
          `device "${plan.requested}" needs onnxruntime-node's CUDA provider, which is not installed (its postinstall ` +
            'downloads it; reinstall onnxruntime-node without the skip flag on a machine with CUDA 12 and network access)');
      }
      if (installed) {
        try {
          session = await ort.InferenceSession.create(file, {
            ...base, executionProviders: [{ name: 'cuda', deviceId: plan.cudaDeviceId }],
          });
          device = `cuda:${plan.cudaDeviceId}`;
        } catch (err) {
          if (!plan.fallbackToCpu) {
            throw new UnsupportedError(`cannot create a CUDA session on device ${plan.cudaDeviceId}: ${(err as Error).message}`, { cause: err });
          }
          warn(`CUDA unavailable (${(err as Error).message.split('\n')[0]}); running ${file} on the CPU`);
        }
      } else {
        warn(`CUDA provider not installed; device "auto" runs ${file} on the CPU`);
      }
    }
    if (!session) {
      try {
        session = await ort.InferenceSession.create(file, { ...base, executionProviders: ['cpu'] });
      } catch (err) {
        throw new ModelLoadError(`onnxruntime cannot load the model: ${(err as Error).message}`, file, { cause: err });
      }
    }
    const missing = ['input_ids', 'attention_mask'].filter((n) => !session!.inputNames.includes(n));
    const unknown = session.inputNames.filter((n) => !FEEDABLE.has(n));
    if (missing.length > 0 || unknown.length > 0) {
      await session.release().catch(() => undefined);
      const parts = [
        missing.length ? `lacks input ${missing.join(', ')}` : '',
        unknown.length ? `has inputs the engine cannot feed: ${unknown.join(', ')}` : '',
      ].filter(Boolean);
      throw new ModelLoadError(`the ONNX graph ${parts.join(' and ')} (inputs: ${session.inputNames.join(', ')})`, file);
    }
    return new OnnxSession(ort, session, device);
  }

  /** The last dimension of an output when the graph declares it as a number. */
  outputLastDim(name: string): number | undefined {
    const meta = (this.session as unknown as { outputMetadata?: { name: string; shape?: unknown[] }[] }).outputMetadata;
    const shape = Array.isArray(meta) ? meta.find((m) => m.name === name)?.shape : undefined;
    const last = Array.isArray(shape) ? shape[shape.length - 1] : undefined;
    return typeof last === 'number' && last > 0 ? last : undefined;
  }

  /** Whether the graph takes `name` as an input. */
  hasInput(name: string): boolean {
    return this.inputNames.includes(name);
  }

  /**
   * Runs one batch and returns the requested output as float32.
   *
   * @throws {AbiError} code `CLOSED` when the session was released
   * @throws {ModelLoadError} when the output is not a float tensor
   */
  async run(feeds: BatchFeeds, output: string): Promise<FloatOutput> {
    if (this.released) throw new AbiError('CLOSED', 'the model was unloaded');
    const { Tensor } = this.ort;
    const dims = [feeds.rows, feeds.seqLen];
    const t = this.intType;
    const input: Record<string, OrtTensor> = {
      input_ids: new Tensor(t, feeds.inputIds, dims),
      attention_mask: new Tensor(t, feeds.attentionMask, dims),
    };
    if (feeds.tokenTypeIds && this.hasInput('token_type_ids')) input.token_type_ids = new Tensor(t, feeds.tokenTypeIds, dims);
    if (feeds.positionIds && this.hasInput('position_ids')) input.position_ids = new Tensor(t, feeds.positionIds, dims);
    const result = await this.session.run(input, [output]);
    const tensor = result[output];
    let data: Float32Array;
    if (tensor.type === 'float32') data = tensor.data as Float32Array;
    else if (tensor.type === 'float16') data = halfToFloat(tensor.data as Uint16Array);
    else throw new ModelLoadError(`output ${output} has type ${tensor.type}; expected float32 or float16`);
    return { data, dims: tensor.dims };
  }

  /** Frees the native session; later runs throw. Idempotent. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await this.session.release();
  }
}
