// The local scheduler: worker pool, dynamic batching, and the connector over it.
export { LocalScheduler } from './local-scheduler.js';
export { LocalSchedulerConnector, type LocalSchedulerConnectorOptions, type LocalSchedulerEmbedderOptions } from './connector.js';
export { describeModel, findModels, isHubModelList, resolveModelDir, resolveModelSpec } from './models.js';
export type {
  BatchReport, HubSourceOptions, ModelEntry, InferenceService, LocalSchedulerOptions, ModelSource, ScheduledEmbedOptions, ScheduledRerankOptions, SchedulerStats,
  ServedModel,
} from './types.js';
