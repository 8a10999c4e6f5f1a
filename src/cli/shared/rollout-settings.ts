import { resolve } from 'node:path';
import { llmSettingsFrom, type BatchSettings } from '../../core/rollout/index.js';
import { checkImageOptions, parseProfile, type ImageCliOptions } from '../commands/verify.js';

/** The command-line options every command that runs rollouts shares (run, batch, the workbench). */
export interface RolloutCliOptions extends ImageCliOptions {
  model?: string;
  baseUrl?: string;
  config?: string;
  trajectory?: string;
  profile?: string;
  offline?: boolean;
  envSpec?: string[];
  repoSource?: string;
  rolloutTimeout?: number;
  endpointMaxInflight?: number;
  seed?: number;
  budgetUsd?: number;
  budgetTokens?: number;
  concurrency?: number;
}

/**
 * The workbench's settings from its command line, checked like `swegym batch` checks them (bad input throws). The
 * LLM settings are read only when a config file is given: without one the workbench takes --model / --base-url (or
 * SWEGYM_MODEL / OPENAI_BASE_URL) when the LLM agent is chosen.
 */
export function workbenchSettings(o: RolloutCliOptions): Partial<BatchSettings> {
  const images = checkImageOptions(o);
  return {
    ...(o.config ? { llm: llmSettingsFrom({ config: o.config, model: o.model ?? process.env.SWEGYM_MODEL, baseUrl: o.baseUrl }) } : {}),
    ...(o.trajectory ? { trajectory: resolve(o.trajectory) } : {}),
    ...(o.profile ? { profile: parseProfile(o.profile) } : {}),
    ...(o.offline ? { offline: true } : {}),
    ...(o.envSpec?.length ? { env_spec_files: o.envSpec.map((f) => resolve(f)) } : {}),
    ...(o.noPull ? { pull_images: false } : {}),
    ...(images.template ? { image_template: images.template } : {}),
    ...(images.naming ? { image_naming: images.naming } : {}),
    ...(o.repoSource ? { repo_source: resolve(o.repoSource) } : {}),
    ...(o.rebuild ? { rebuild_images: true } : {}),
    ...(o.allowPartialEnv ? { allow_partial_env: true } : {}),
    ...(o.rolloutTimeout !== undefined ? { rollout_timeout_sec: o.rolloutTimeout } : {}),
    ...(o.endpointMaxInflight !== undefined ? { endpoint_max_inflight: o.endpointMaxInflight } : {}),
    ...(o.seed !== undefined ? { seed: o.seed } : {}),
    ...(o.budgetUsd !== undefined ? { budget_usd: o.budgetUsd } : {}),
    ...(o.budgetTokens !== undefined ? { budget_tokens: o.budgetTokens } : {}),
    ...(o.concurrency !== undefined ? { concurrency: o.concurrency } : {}),
  };
}
