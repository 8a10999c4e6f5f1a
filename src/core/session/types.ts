import type { RolloutEvent } from '../events.js';
import type { VerdictStatus } from '../harness/types.js';
import type { SessionManifest } from './manifest.js';

export interface TestCounts {
  passed: number;
  failed: number;
}

/** One line of a session's summary index: enough to list and sort rollouts without reading their events. */
export interface RolloutSummary {
  rollout_id: string;
  instance_id: string;
  sample: number;
  status: 'queued' | 'running' | 'completed' | 'infra_error' | 'interrupted' | 'no_image';
  verdict?: VerdictStatus;
  resolved?: boolean;
  /** The verdict's patch touched its own grade's inputs (harness/tamper.ts); the verdict itself is official. */
  tamper?: boolean;
  /** verifier name -> score in [0, 1] */
  scores: Record<string, number>;
  stop_reason?: string;
  turns: number;
  prompt_tokens: number;
  completion_tokens: number;
  cost_usd: number;
  patch_lines?: number;
  /** Tool steps the agent ran. */
  steps?: number;
  /** FAIL_TO_PASS and PASS_TO_PASS tests of the verdict that passed and failed (absent without a graded verdict). */
  f2p?: TestCounts;
  p2p?: TestCounts;
  /** The first failing test of the verdict, FAIL_TO_PASS first (what a summary row names as the failure). */
  failing_test?: string;
  started_at?: number;
  ended_at?: number;
  last_event_at?: number;
}

/** Read side of a session, shared by the CLI (`show`, `report`), verifiers, exporters and the TUI. */
export interface SessionReader {
  readonly dir: string;
  /** The manifest, validated and migrated to the current format when read. */
  manifest(): SessionManifest;
  summaries(): RolloutSummary[];
  /** Full events of one rollout, loaded on demand. */
  events(rolloutId: string): Promise<RolloutEvent[]>;
  /** Calls back for every event appended from now on (by this or another process). Returns an unsubscribe. */
  follow(onEvent: (e: RolloutEvent) => void): () => void;
}
