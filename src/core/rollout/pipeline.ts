import type { RolloutEmitter } from '../events.js';
import type { TaskRecord } from '../dataset/schema.js';
import type { RuntimeProvider } from '../runtime/types.js';
import type { SpecRegistry } from '../runtime/spec-registry.js';
import { defaultProfileFor } from '../harness/profiles.js';
import { verifyPatch } from '../harness/verify.js';
import { createAgent, type AgentBuild } from './agents.js';
import type { ResolvedInstanceImage } from './environment.js';
import { runRollout, type RolloutOutcome } from './run-rollout.js';
import type { RolloutSettings } from './settings.js';

export interface PipelineRolloutOptions {
  task: TaskRecord;
  settings: RolloutSettings;
  specs: SpecRegistry;
  /** The engine the rollout and its verification run on. */
  provider: RuntimeProvider;
  /** The instance image, resolved on that engine (resolveInstanceImage, or a batch's image prefetcher). */
  image: { image: string; source?: ResolvedInstanceImage['source']; partial?: boolean };
  emitter: RolloutEmitter;
  signal?: AbortSignal;
  /** Put on every container of the rollout and of its verification. */
  labels?: Record<string, string>;
  sample?: number;
  temperature?: number;
  seed?: number;
  fetchFor?: AgentBuild['fetchFor'];
  env?: AgentBuild['env'];
  /** The verification's log folder (the harness's layout); none when unset. */
  logDir?: string;
}

/**
 * One rollout the way every caller runs it (`swegym run`, batches and resume, the workbench): the agent from the
 * registry with this sample's temperature and seed, runRollout with the configured wall-clock limit, then the
 * harness's verification of the patch in a fresh container with the configured profile, timeout and offline mode.
 */
export async function runPipelineRollout(o: PipelineRolloutOptions): Promise<RolloutOutcome> {
  const { task, settings } = o;
  const profile = settings.profile ?? defaultProfileFor(task);
  const spec = o.specs.lookup(task.repo, String(task.version));
  const agent = await createAgent(settings, { task, temperature: o.temperature, seed: o.seed, fetchFor: o.fetchFor, env: o.env });
  return runRollout({
    task,
    agent,
    provider: o.provider,
    image: o.image.image,
    imageSource: o.image.source,
    emitter: o.emitter,
    sample: o.sample,
    temperature: o.temperature,
    signal: o.signal,
    labels: o.labels,
    rolloutTimeoutSec: settings.rollout_timeout_sec,
    verifyProfile: profile,
    verify: async (patch) => {
      const verdict = await verifyPatch({
        task,
        patch,
        spec,
        profile,
        provider: o.provider,
        image: o.image.image,
        signal: o.signal,
        labels: o.labels,
        timeoutSec: settings.verify_timeout_sec,
        offline: settings.offline,
        logDir: o.logDir,
      });
      // An environment built without install steps it needed: the verdict may differ from the official one.
      return o.image.partial ? { ...verdict, env_partial: true as const } : verdict;
    },
  });
}
