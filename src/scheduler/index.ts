// The local scheduler: worker pool, dynamic batching, and the connector over it.
export { LocalScheduler } from './local-scheduler.js';
export { LocalSchedulerConnector, type LocalSchedulerConnectorOptions, type LocalSchedulerEmbedderOptions } from './connector.js';
export {
  describeModel, findModels, type HubSourceOptions, isHubModelList, type ModelEntry, resolveModelDir, resolveModelSpec,
} from './models.js';
export type {
  BatchReport, InferenceService, LocalSchedulerOptions, ModelSource, ScheduledEmbedOptions, ScheduledRerankOptions, SchedulerEvents,
  SchedulerStats, ServedModel, ServiceHealth, WorkerRespawnOptions,
} from './types.js';
