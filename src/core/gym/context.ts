import type { TaskRecord } from '../dataset/schema.js';
import type { EnvSpec } from '../runtime/env-spec.js';
import type { RuntimeProvider } from '../runtime/types.js';
import type { ProfileName, Verdict } from '../harness/types.js';
import { loadPrompts, type PromptSet } from '../agent/prompts.js';
import type { RewardMode, RewardGuard } from './protocol.js';
import { prepareEnvironment, type ImageResolver, type PreparedEnv } from './prepare.js';
import type { WarmPool } from './pool.js';
import { EpisodeRecorder } from './recorder.js';

export interface GymDefaults {
  /** Steps before truncation (SWE-Gym collected data with 30-50 turns; evaluation used 100). */
  maxSteps: number;
  /** Wall-clock seconds per episode before truncation. */
  timeLimitSec: number;
  reward: RewardMode;
  /** `strict`: a verdict flagged with `tamper` (harness/tamper.ts) earns reward 0 (default 'off'). */
  rewardGuard?: RewardGuard;
  /** The observation cap the LLM agent uses (OpenHands: 30,000 characters). */
  observationMaxChars: number;
  bashTimeoutSec?: number;
  /** Memory limit of an episode's container. */
  memoryBytes?: number;
}

export const GYM_DEFAULTS: GymDefaults = { maxSteps: 100, timeLimitSec: 3600, reward: 'binary', observationMaxChars: 30_000 };

/** What every environment of a server (or of one in-process trainer) shares. */
export interface GymContext {
  tasks: Map<string, TaskRecord>;
  provider: RuntimeProvider;
  images: ImageResolver;
  specFor: (task: TaskRecord) => EnvSpec;
  recorder: EpisodeRecorder;
  pool?: WarmPool;
  /** Harness profile (default: by dataset, as the harness picks it). */
  profile?: ProfileName;
  /** Extra labels on every container (tests use them to find leftovers). */
  labels?: Record<string, string>;
  defaults: GymDefaults;
  /** Where verification logs go (one folder per rollout); none when unset. */
  verifyLogRoot?: string;
  prompts: PromptSet;
  /** Verification of a finished episode's patch; default: the harness's verifyPatch in a fresh container. */
  verify?: (o: { task: TaskRecord; patch: string; image: string; profile: ProfileName; signal: AbortSignal; logDir?: string; labels: Record<string, string> }) => Promise<Verdict>;
}

export interface GymContextInput extends Partial<Omit<GymContext, 'defaults' | 'prompts' | 'tasks'>> {
  tasks: TaskRecord[] | Map<string, TaskRecord>;
  provider: RuntimeProvider;
  images: ImageResolver;
  specFor: (task: TaskRecord) => EnvSpec;
  defaults?: Partial<GymDefaults>;
  promptDir?: string;
}

export async function createGymContext(input: GymContextInput): Promise<GymContext> {
  const tasks = input.tasks instanceof Map ? input.tasks : new Map(input.tasks.map((t) => [t.instance_id, t]));
  return {
    ...input,
    tasks,
    recorder: input.recorder ?? EpisodeRecorder.none(),
    defaults: { ...GYM_DEFAULTS, ...(input.defaults ?? {}) },
    prompts: await loadPrompts(input.promptDir),
  };
}

/** A cold start: image, container, workspace (what the pool does ahead of time). */
export async function coldPrepare(ctx: GymContext, task: TaskRecord): Promise<PreparedEnv> {
  const img = await ctx.images(task);
  return prepareEnvironment(ctx.provider, task, img, { labels: ctx.labels, memoryBytes: ctx.defaults.memoryBytes });
}
