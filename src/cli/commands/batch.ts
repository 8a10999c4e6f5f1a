import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadTasks } from '../../core/dataset/index.js';
import { loadSpecRegistry } from '../../core/runtime/index.js';
import { ProfileName, defaultProfileFor, harnessStampsFor } from '../../core/harness/index.js';
import { VERSION } from '../../core/version.js';
import { SessionWriter, acquireSessionLock, DEFAULT_SESSIONS_DIR, newSessionName, scrubSecrets } from '../../core/session/index.js';
import { planWork, executeSession, sessionPreflight, envSpecHashes, promptTemplateHashes, loadBatchConfig, type BatchSettings, type ExecuteIO } from '../../core/scheduler/index.js';
import { bundledPrompts, quirkSet, type LlmAgentConfigInput, type MoatlessConfigInput } from '../../core/agent/index.js';
import { agentEntry, checkAgent, modelSettingsFrom } from '../../core/rollout/index.js';
import { checkImageOptions, type ImageCliOptions } from './verify.js';
import { sanitize, sessionNameProblem } from '../../core/util/index.js';

export interface BatchOptions extends ImageCliOptions {
  dataset?: string;
  instances?: string[];
  agent?: string;
  model?: string;
  baseUrl?: string;
  /** --agent moatless: quirks of the fork to fix, comma-separated (default: all kept). */
  moatlessFix?: string;
  config?: string;
  samples?: number;
  concurrency?: number;
  temperatures?: string[];
  budgetUsd?: number;
  budgetTokens?: number;
  endpointMaxInflight?: number;
  rolloutTimeout?: number;
  stallAfter?: number;
  session?: string;
  sessionsDir?: string;
  profile?: string;
  offline?: boolean;
  envSpec?: string[];
  seed?: number;
  /** Recorded trajectories for --agent replay: a file, or a folder of <instance_id>.jsonl. */
  trajectory?: string;
  repoSource?: string;
  /** --no-remote-control: ignore control.jsonl (live.json still shows the batch, with control: false). */
  noRemoteControl?: boolean;
  /** Library/test hooks (not CLI flags). */
  io?: Partial<ExecuteIO>;
}

/**
 * Exit codes: 0 all done, 1 error (the model endpoint refused the key or the model: the batch stops at the first such
 * rollout), 2 bad usage, 3 stopped before the end (Ctrl-C, budget); resume continues.
 */
export async function batchCommand(opts: BatchOptions): Promise<number> {
  const out = opts.io?.out ?? ((l: string) => console.log(sanitize(l)));
  const err = opts.io?.err ?? ((l: string) => console.error(sanitize(l)));
  const agentKind = opts.agent ?? 'gold';
  let agentUsesModel: boolean;
  try {
    agentUsesModel = agentEntry(agentKind).usesModel;
  } catch (e) {
    return usage(err, `--agent: ${(e as Error).message}`);
  }
  const samples = opts.samples ?? 1;
  const concurrency = opts.concurrency ?? 2;
  if (!Number.isInteger(samples) || samples < 1) return usage(err, `--samples must be a positive integer (got ${samples})`);
  if (!Number.isInteger(concurrency) || concurrency < 1) return usage(err, `--concurrency must be a positive integer (got ${concurrency})`);
  if (opts.session !== undefined) {
    const problem = sessionNameProblem(opts.session);
    if (problem) return usage(err, `--session ${problem}`);
  }
  // Seeds are integers (they feed the model's seed parameter and the PRNG); 1.5 would be stored and sent as is.
  if (opts.seed !== undefined && (!Number.isSafeInteger(opts.seed) || opts.seed < 0)) return usage(err, `--seed must be a non-negative integer (got ${opts.seed})`);
  if (opts.rolloutTimeout !== undefined && !(opts.rolloutTimeout > 0)) return usage(err, `--rollout-timeout must be a positive number of seconds (got ${opts.rolloutTimeout})`);
  try {
    // Engines (SWEGYM_ENGINES, swegym.config.json) are checked before anything is written.
    loadBatchConfig();
  } catch (e) {
    return usage(err, (e as Error).message);
  }
  const temperatures = (opts.temperatures ?? (agentUsesModel ? ['0', '0.5'] : [])).map((t) => Number(t));
  if (temperatures.some((t) => !Number.isFinite(t) || t < 0 || t > 2)) return usage(err, `--temperatures must be numbers in [0, 2] (got ${opts.temperatures?.join(',')})`);
  let profile: ProfileName | undefined;
  if (opts.profile) {
    const p = ProfileName.safeParse(opts.profile);
    if (!p.success) return usage(err, `--profile must be one of ${ProfileName.options.join(', ')}`);
    profile = p.data;
  }

  let llm: LlmAgentConfigInput | undefined;
  let moatless: MoatlessConfigInput | undefined;
  let images: ReturnType<typeof checkImageOptions>;
  try {
    images = checkImageOptions(opts);
    // Checked before anything runs: a bad config is bad input (file, line, field; exit 2), not an infrastructure
    // failure of every rollout.
    if (agentUsesModel) ({ llm, moatless } = modelSettingsFrom(agentKind, opts));
    await checkAgent({ agent: agentKind, llm, moatless, trajectory: opts.trajectory });
  } catch (e) {
    return usage(err, (e as Error).message);
  }

  let loaded: Awaited<ReturnType<typeof loadTasks>>;
  let specs: ReturnType<typeof loadSpecRegistry>;
  try {
    loaded = await loadTasks(opts.dataset ?? 'samples', { ids: opts.instances });
    specs = loadSpecRegistry(opts.envSpec ?? []);
  } catch (e) {
    // A malformed dataset or env spec: the loaders' messages name the file, the line and the field.
    return usage(err, (e as Error).message);
  }
  if (loaded.tasks.length === 0) return usage(err, `no instances selected from ${opts.dataset ?? 'samples'}`);
  const sessionsDir = opts.sessionsDir ?? DEFAULT_SESSIONS_DIR;
  const name = opts.session ?? newSessionName(agentKind);
  const dir = resolve(join(sessionsDir, name));
  if (existsSync(join(dir, 'manifest.json'))) return usage(err, `session ${dir} exists: use 'swegym resume ${name}'`);
  const settings: BatchSettings = {
    agent: agentKind,
    llm,
    ...(moatless ? { moatless } : {}),
    concurrency,
    profile,
    offline: opts.offline,
    env_spec_files: opts.envSpec?.map((f) => resolve(f)),
    budget_usd: opts.budgetUsd,
    budget_tokens: opts.budgetTokens,
    endpoint_max_inflight: opts.endpointMaxInflight,
    rollout_timeout_sec: opts.rolloutTimeout,
    stall_after_sec: opts.stallAfter,
    ...(opts.trajectory ? { trajectory: resolve(opts.trajectory) } : {}),
    ...(opts.noPull ? { pull_images: false } : {}),
    ...(images.template ? { image_template: images.template } : {}),
    ...(images.naming ? { image_naming: images.naming } : {}),
    ...(opts.repoSource ? { repo_source: resolve(opts.repoSource) } : {}),
    ...(opts.rebuild ? { rebuild_images: true } : {}),
    ...(opts.allowPartialEnv ? { allow_partial_env: true } : {}),
  };
  try {
    // Before the session is created: an offline build that would leave an environment broken is bad input (exit 2).
    const gaps = await sessionPreflight(loaded.tasks, settings, { say: err });
    if (gaps) return usage(err, gaps);
  } catch (e) {
    return usage(err, (e as Error).message);
  }
  const seed = opts.seed ?? 0;
  // The profile each instance is verified with (the default depends on the dataset the instance comes from).
  const profiles = [...new Set(loaded.tasks.map((t) => profile ?? defaultProfileFor(t)))];
  const harnessProfile = profiles.length === 1 ? profiles[0]! : `per instance: ${profiles.join(', ')}`;
  const writer = SessionWriter.create(dir, {
    name,
    swegym_version: VERSION,
    dataset: {
      // A file path is stored absolute so `resume` works from any directory.
      ref: opts.dataset && opts.dataset !== 'samples' && existsSync(opts.dataset) ? resolve(opts.dataset) : (opts.dataset ?? 'samples'),
      sha256: loaded.source.sha256,
      instance_ids: loaded.tasks.map((t) => t.instance_id),
      repos: Object.fromEntries(loaded.tasks.map((t) => [t.instance_id, t.repo])),
      ...(opts.instances ? { filter_ids: opts.instances } : {}),
    },
    images: {},
    harness_profile: harnessProfile,
    harness: harnessStampsFor(loaded.tasks, profile),
    env_spec_hashes: envSpecHashes(specs, loaded.tasks),
    prompt_template_hashes: moatless ? bundledPrompts().hashes() : agentUsesModel ? await promptTemplateHashes(typeof llm?.prompt_dir === 'string' ? llm.prompt_dir : undefined) : {},
    // Moatless: the fork's quirks kept (true) or fixed (false), recorded with the configuration.
    agent: scrubSecrets(
      moatless
        ? { kind: agentKind, model: moatless.model, base_url: moatless.baseURL, config: { ...moatless, quirks: quirkSet(moatless.fix ?? []) } }
        : { kind: agentKind, model: llm?.model, base_url: llm?.baseURL, config: llm ?? {} },
    ),
    verifier: { kind: 'harness', profile: harnessProfile, offline: !!opts.offline },
    sampling: { samples, temperatures, seed },
    scheduler: scrubSecrets({ ...settings }) as Record<string, unknown>,
  });
  const unlock = acquireSessionLock(dir);
  out(`Session ${name} (${dir}): ${loaded.tasks.length} instance(s) x ${samples} sample(s), ${concurrency} worker(s).`);
  try {
    const items = planWork(loaded.tasks, samples, temperatures, seed);
    const res = await executeSession(writer, items, settings, { out, err, signals: true, remoteControl: !opts.noRemoteControl, ...opts.io });
    if (res.fatal) {
      err(`swegym batch: stopped: ${res.fatal}`);
      err(`Nothing was recorded as a result for it. Fix that, then continue with: swegym resume ${name}`);
      return 1;
    }
    out(res.state === 'done' ? `Done. Report: swegym report ${name}` : `Stopped${res.reason ? ` (${res.reason})` : ''}. Continue with: swegym resume ${name}`);
    return res.state === 'done' ? 0 : 3;
  } finally {
    writer.close();
    unlock();
  }
}

function usage(err: (l: string) => void, msg: string): number {
  err(`swegym batch: ${msg}`);
  return 2;
}
