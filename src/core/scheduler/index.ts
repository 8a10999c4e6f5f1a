/** The scheduler area: batches of rollouts over engines (session runs, resume, live state and remote control). Everything cli and tui use from here; deeper paths are the area's own. */
export { loadBatchConfig, makeEngines } from './engines.js';
export { createSessionScheduler, envSpecHashes, executeSession, promptTemplateHashes, type BatchSettings, type ExecuteIO } from './execute.js';
export { planWork } from './queue.js';
export { sessionPreflight } from './preflight.js';
export { RemoteBatchControl, controlSession, snapshotFromSummaries } from './remote-client.js';
export { checkLive, judgeLiveness, readLiveStatus, startRemoteControl, type ControlAction } from './remote-control.js';
export { planResume, planRetry } from './resume-plan.js';
export { type RolloutRunner, type Scheduler } from './scheduler.js';
export { type SchedulerControl, type SchedulerSnapshot } from './types.js';
export { LiveStatusSchema, SchedulerSnapshotSchema } from './live-schema.js';
