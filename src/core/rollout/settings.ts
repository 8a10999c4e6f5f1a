import type { ProfileName } from '../harness/types.js';
import type { LlmAgentConfigInput } from '../agent/llm/config.js';
import type { MoatlessConfigInput } from '../agent/moatless/config.js';
import type { ImageNaming } from '../runtime/image-names.js';

/**
 * Everything that decides how one rollout runs, whoever starts it (`swegym run`, a batch, the workbench, resume).
 * Stored as is in a session's manifest (`scheduler`), so the field names are the manifest's (snake_case) and every
 * field stays optional but `agent`: older manifests lack the newer ones and must run as they did.
 */
export interface RolloutSettings {
  /** A kind from the agent registry (`agentKinds()`): gold, llm, replay, ... */
  agent: string;
  /** The LLM agent's configuration (model, endpoint, limits), for agents that call a model. */
  llm?: LlmAgentConfigInput;
  /** The Moatless agent's configuration (model, endpoint, limits, quirks fixed, retrieval); else built from `llm`. */
  moatless?: MoatlessConfigInput;
  /** A recorded trajectory (JSON lines of events) for the replay agent, or a folder with `<instance_id>.jsonl` files. */
  trajectory?: string;
  profile?: ProfileName;
  /** Skip the eval script's network install steps; never pull images. */
  offline?: boolean;
  env_spec_files?: string[];
  rollout_timeout_sec?: number;
  verify_timeout_sec?: number;
  /** Try registries for instance images (default: true unless offline). */
  pull_images?: boolean;
  /** --image-template: the instance image name (a template or a prefix). */
  image_template?: string;
  /** --image-naming: whose official image names to look for (default by dataset). */
  image_naming?: ImageNaming;
  /** Where repositories are cloned from when an image must be built (default: the bundled samples). */
  repo_source?: string;
  /** --rebuild: build instance images again even when a matching one exists. */
  rebuild_images?: boolean;
  /** --allow-partial-env: build offline without the install steps that need the network; verdicts say env_partial. */
  allow_partial_env?: boolean;
  /** Base seed: the seed of (instance, sample) is a function of it. */
  seed?: number;
}

/** A batch: the rollout settings plus how many run at once and when to stop. */
export interface BatchSettings extends RolloutSettings {
  concurrency: number;
  budget_usd?: number;
  budget_tokens?: number;
  endpoint_max_inflight?: number;
  stall_after_sec?: number;
  max_infra_retries?: number;
}
