/**
 * Models by name from the Hugging Face Hub: the Hub's file protocol, the shared Hugging Face cache, verified and
 * resumable downloads.
 *
 * @module
 */
export { HF_DEFAULT_ENDPOINT, HubClient, type HubClientOptions, type HubFileMeta, type HubModelInfo } from './client.js';
export { type CachedModel, hubCacheDir, listCachedModels, removeCachedModel } from './cache.js';
export type { HubDtype } from './files.js';
export { DEFAULT_REVISION, type HubModelRef, isHubModelSpec, parseHubModelId } from './model-id.js';
export { pullModel, type PulledModel, type PullModelOptions, type PullProgress } from './pull.js';
