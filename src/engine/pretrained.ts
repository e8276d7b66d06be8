// `fromPretrained` support shared by LocalEmbedder and LocalCrossEncoder: fetch (or find in the Hugging Face cache)
// the files of a Hub model for the dtype, then load the snapshot folder like any other model folder.
import { ValidationError } from '../core/errors.js';
import { pullModel, type PulledModel, type PullModelOptions } from '../hub/pull.js';

/**
 * Where and how `fromPretrained` fetches a model: revision, cache folder, offline mode, Hub endpoint and token,
 * retries, abort signal, progress. The dtype is the model option of the same name.
 */
export interface PretrainedOptions extends Omit<PullModelOptions, 'dtype'> {}

/**
 * Pulls the model for `fromPretrained`.
 *
 * @internal
 */
export async function pullPretrained(name: string, options: PretrainedOptions & { dtype?: PullModelOptions['dtype']; modelFile?: string }): Promise<PulledModel> {
  if (options.modelFile !== undefined) {
    throw new ValidationError('modelFile cannot be combined with fromPretrained: the dtype picks the ONNX file to download');
  }
  return pullModel(name, options);
}
