import type { RolloutEmitter } from '../events.js';
import type { TaskRecord } from '../dataset/schema.js';
import type { RuntimeProvider } from '../runtime/types.js';
import type { SessionWriter } from '../session/writer.js';
import type { SchedulerSnapshot } from './types.js';
import type { EndpointLimiter } from './semaphore.js';
import type { ImageInfo, ImagePrefetcher } from './images.js';
import type { WorkItem } from './queue.js';

/** The scheduler's plug points: engines, the rollout runner and its context, and the options of a run. */

/** Label on every container of a rollout attempt (unique per attempt), in addition to the session label. */
export const ROLLOUT_LABEL = 'io.swegym.rollout';
/** The session's unique id (manifest session_id): what sweeps select on (the runtime's label, one definition). */
export { SESSION_LABEL } from '../runtime/types.js';
/** The session's name, for people (`docker ps --filter label=io.swegym.session-name=my-run`); never swept on. */
export const SESSION_NAME_LABEL = 'io.swegym.session-name';

export interface Engine {
  name: string;
  provider: RuntimeProvider;
  /** Images live per engine: each engine prepares its own (default: the scheduler's `images`). */
  images?: ImagePrefetcher;
  /** Does the engine answer now? With it, an infrastructure failure during an outage waits for the engine. */
  ping?: () => Promise<boolean>;
}

export interface RunnerContext {
  task: TaskRecord;
  sample: number;
  temperature?: number;
  seed: number;
  attempt: number;
  rolloutId: string;
  session: string;
  emitter: RolloutEmitter;
  signal: AbortSignal;
  engine: Engine;
  image?: ImageInfo;
  /** Put on every container this rollout creates. */
  labels: Record<string, string>;
  limiter: EndpointLimiter;
}

export interface RunnerOutcome {
  status: 'completed' | 'infra_error' | 'interrupted' | 'no_image';
  error?: string;
}

/** Runs one rollout attempt: environment up, agent, patch, verification, environment down; emits every event. */
export type RolloutRunner = (ctx: RunnerContext) => Promise<RunnerOutcome>;

export interface SchedulerOptions {
  session: SessionWriter;
  items: WorkItem[];
  runner: RolloutRunner;
  engines: Engine[];
  concurrency: number;
  images?: ImagePrefetcher;
  /** How many distinct upcoming instances to prepare images for. */
  imageLookahead?: number;
  limiter?: EndpointLimiter;
  maxInfraRetries?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  rolloutTimeoutMs?: number;
  stallAfterMs?: number;
  /** After an abort, how long a runner gets to return before it is abandoned (its containers swept). */
  abandonAfterMs?: number;
  budgetUsd?: number;
  budgetTokens?: number;
  /** Totals of earlier runs of this session (resume keeps the tallies). */
  previous?: { done: number; resolved: number; cost_usd: number; tokens: number; infra_failures: number; retries: number; total?: number };
  snapshotIntervalMs?: number;
  /** Containers found and removed before the run (shown in snapshots). */
  containersSwept?: number;
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
  /** How long to wait for an engine that stopped answering (default 15 minutes). */
  engineWaitMs?: number;
}

export interface SchedulerResult {
  state: 'done' | 'stopped';
  reason?: string;
  /** Set when the batch stopped because it cannot go on as configured (the model endpoint refused the key or model). */
  fatal?: string;
  snapshot: SchedulerSnapshot;
}
