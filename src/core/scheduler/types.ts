import type { RolloutSummary } from '../session/types.js';

/** What the batch dashboard and the plain progress printer read; published at most ~10 times a second. */
export interface SchedulerSnapshot {
  state: 'running' | 'paused' | 'stopping' | 'stopped' | 'done';
  total: number;
  done: number;
  running: number;
  queued: number;
  resolved: number;
  infra_failures: number;
  retries: number;
  /** Rollouts whose last event is older than the stall threshold. */
  stalled: string[];
  active: Array<RolloutSummary & { current_step?: string; heartbeat_age_ms: number; container_id?: string }>;
  throughput_per_min: number;
  eta_ms?: number;
  cost_usd: number;
  projected_cost_usd?: number;
  budget_usd?: number;
  tokens: number;
  workers: { busy: number; max: number };
  endpoints: Array<{ url: string; in_flight: number; max: number }>;
  containers_swept: number;
}

export interface SchedulerControl {
  snapshot(): SchedulerSnapshot;
  onSnapshot(cb: (s: SchedulerSnapshot) => void): () => void;
  pause(): void;
  resume(): void;
  /** 'graceful': take no new work, let running rollouts finish; 'now': interrupt them. Never leaves containers. */
  stop(mode: 'graceful' | 'now'): Promise<void>;
  kill(rolloutId: string): void;
  retry(rolloutId: string): void;
}
