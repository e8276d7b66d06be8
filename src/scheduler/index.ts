// The local scheduler: worker pool, dynamic batching, and the connector over it.
export {
  LocalScheduler, type BatchReport, type ModelSource, type LocalSchedulerOptions, type ScheduledEmbedOptions, type ScheduledRerankOptions,
} from './local-scheduler.js';
export { LocalSchedulerConnector, type LocalSchedulerConnectorOptions, type LocalSchedulerEmbedderOptions } from './connector.js';
export {
  describeModel, findModels, type HubSourceOptions, isHubModelList, type ModelEntry, resolveModelDir, resolveModelSpec,
} from './models.js';
export type { InferenceService, SchedulerStats, ServedModel } from './types.js';
