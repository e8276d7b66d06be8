/**
 * Which files of a Hub repository the engine reads, chosen from the repository's file list: the model's JSON files
 * (config, tokenizer, sentence-transformers modules and Pooling config), the ONE ONNX variant the dtype picks, and
 * that file's external-data companion. The choice follows src/engine/model-folder.ts through the shared layout
 * (src/hub/model-layout.ts), so what is downloaded is what loading opens.
 *
 * @internal
 * @module
 */
import { EntryNotFoundError } from '../core/errors.js';
import { EXTERNAL_DATA_SUFFIXES, MODEL_JSON_FILES, ONNX_DIRS, ONNX_VARIANT_FILES, REQUIRED_MODEL_FILES } from './model-layout.js';
import type { HubModelRef } from './model-id.js';

/** Weight precision; picks the ONNX file (`fp32` → `model.onnx`, `fp16` → `model_fp16.onnx`, `int8` → `model_quantized.onnx`, …). */
export type HubDtype = 'fp32' | 'fp16' | 'int8';

/** The ONNX paths a dtype may use, in the order the engine tries them. @internal */
export function onnxCandidates(dtype: HubDtype): string[] {
  const out: string[] = [];
  for (const name of ONNX_VARIANT_FILES[dtype]) for (const dir of ONNX_DIRS) out.push(dir === '.' ? name : `${dir}/${name}`);
  return out;
}

/**
 * Picks the files to download from a repository's file list.
 *
 * @param files - every path in the repository (`siblings[].rfilename`)
 * @param dtype - the weight precision
 * @param ref - for error messages
 * @returns the paths, JSON files first, the ONNX file and its external data last
 * @throws {EntryNotFoundError} when config.json, tokenizer.json or an ONNX file for the dtype is missing
 * @internal
 */
export function selectModelFiles(files: readonly string[], dtype: HubDtype, ref: HubModelRef): string[] {
  const have = new Set(files);
  for (const f of REQUIRED_MODEL_FILES) {
    if (!have.has(f)) throw new EntryNotFoundError(`${ref.repoId}@${ref.revision} has no ${f}; the local engine needs it`, { ...ref, path: f });
  }
  const picked = MODEL_JSON_FILES.filter((f) => have.has(f));
  // The Pooling module's folder is named in modules.json; `1_Pooling` by convention.
  picked.push(...files.filter((f) => /^[^/]*Pooling\/config\.json$/.test(f)).sort());
  const onnx = onnxCandidates(dtype).find((p) => have.has(p));
  if (!onnx) {
    const present = (Object.keys(ONNX_VARIANT_FILES) as HubDtype[]).filter((d) => onnxCandidates(d).some((p) => have.has(p)));
    throw new EntryNotFoundError(`${ref.repoId}@${ref.revision} has no ${dtype} ONNX file (looked for ${onnxCandidates(dtype).join(', ')})` +
      (present.length ? `; it has dtype ${present.join(', ')}` : '; it has no ONNX export the engine can load'), { ...ref, path: onnxCandidates(dtype)[0] });
  }
  picked.push(onnx);
  const data = EXTERNAL_DATA_SUFFIXES.map((s) => `${onnx}${s}`).find((p) => have.has(p));
  if (data) picked.push(data);
  return picked;
}
