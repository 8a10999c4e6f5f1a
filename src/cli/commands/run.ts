import { cliProgress } from '../shared/progress-view.js';
import { randomBytes } from 'node:crypto';
import { RolloutEmitter, type RolloutEvent } from '../../core/events.js';
import { loadTasks, type TaskRecord } from '../../core/dataset/index.js';
import { loadSpecRegistry, DockerProvider, type SpecRegistry } from '../../core/runtime/index.js';
import { formatEvent, checkAgent, environmentPreflight, modelSettingsFrom, resolveInstanceImage, runPipelineRollout, type ResolvedInstanceImage, type RolloutSettings } from '../../core/rollout/index.js';
import { sanitize, terminalSafeJson } from '../../core/util/index.js';
import { loadBatchConfig, makeEngines } from '../../core/scheduler/index.js';
import { checkImageOptions, parseProfile, type ImageCliOptions } from './verify.js';
import { claimSandboxes } from '../shared/sandboxes.js';

export interface RunCommandOptions extends ImageCliOptions {
  dataset: string;
  instance: string;
  /** A kind from the agent registry: gold, replay, llm, ... */
  agent: string;
  model?: string;
  baseUrl?: string;
  /** --agent moatless: quirks of the fork to fix, comma-separated (default: all kept). */
  moatlessFix?: string;
  /** JSON file with the LLM agent's configuration (LlmAgentConfig); --model / --base-url override it. */
  config?: string;
  /** Recorded trajectory (JSON lines of rollout events), for --agent replay. */
  trajectory?: string;
  json?: boolean;
  profile?: string;
  envSpec?: string[];
  offline?: boolean;
  /** Where to clone the repository from when the image must be built offline (default: the sample bundles). */
  repoSource?: string;
  /** Seed sent with every model request (default: none). */
  seed?: number;
  rolloutTimeout?: number;
}

type Out = { line(s: string): void; err(s: string): void };
const stdio: Out = { line: (s) => process.stdout.write(s + '\n'), err: (s) => process.stderr.write(s + '\n') };

/**
 * `swegym run`: one rollout of one instance with the chosen agent, printed step by step as it happens, ending with
 * the diff and the verdict (`--json`: every event as a JSON line instead). Exit code 0 when the rollout completed,
 * 1 on an infrastructure error, 2 on bad input, 130 when interrupted.
 */
export async function runCommand(opts: RunCommandOptions, out: Out = stdio): Promise<number> {
  let task: TaskRecord;
  let specs: SpecRegistry;
  let settings: RolloutSettings;
  try {
    const images = checkImageOptions(opts);
    if (opts.seed !== undefined && (!Number.isSafeInteger(opts.seed) || opts.seed < 0)) throw new Error(`--seed must be a non-negative integer (got ${opts.seed})`);
    const loaded = await loadTasks(opts.dataset, { ids: [opts.instance] });
    task = loaded.tasks[0];
    if (!task) throw new Error(`instance ${opts.instance} not found in ${opts.dataset}`);
    specs = loadSpecRegistry(opts.envSpec ?? []);
    specs.lookup(task.repo, String(task.version));
    settings = {
      agent: opts.agent,
      ...modelSettingsFrom(opts.agent, opts),
      ...(opts.trajectory ? { trajectory: opts.trajectory } : {}),
      profile: parseProfile(opts.profile),
      offline: opts.offline,
      ...(opts.noPull ? { pull_images: false } : {}),
      image_template: images.template,
      image_naming: images.naming,
      repo_source: opts.repoSource,
      ...(opts.rebuild ? { rebuild_images: true } : {}),
      ...(opts.allowPartialEnv ? { allow_partial_env: true } : {}),
      rollout_timeout_sec: opts.rolloutTimeout,
      seed: opts.seed,
    };
    if (opts.agent === 'replay' && !opts.trajectory) throw new Error('--agent replay needs --trajectory FILE (a recorded rollout, JSON lines)');
    await checkAgent(settings);
  } catch (e) {
    out.err(`swegym run: ${sanitize(errText(e))}`);
    return 2;
  }

  const rolloutId = `${task.instance_id}-${Date.now().toString(36)}-${randomBytes(2).toString('hex')}`;
  const emitter = new RolloutEmitter(rolloutId, (e: RolloutEvent) => {
    if (opts.json) out.line(terminalSafeJson(e));
    else {
      const text = formatEvent(e);
      if (text !== undefined) out.line(text);
    }
  });

  // The first configured engine (SWEGYM_ENGINES / swegym.config.json; default: the local one).
  let provider: DockerProvider;
  try {
    provider = makeEngines(loadBatchConfig().engines.slice(0, 1), 'run')[0]!.provider;
  } catch (e) {
    out.err(`swegym run: ${sanitize(errText(e))}`);
    return 2;
  }
  const gaps = await environmentPreflight([task], specs, settings, provider.docker, (l) => out.err(sanitize(l)));
  if (gaps) {
    out.err(`swegym run: ${sanitize(gaps)}`);
    return 2;
  }
  // Containers are removed on crashes and signals too; a first Ctrl-C interrupts the rollout, which ends cleanly.
  await claimSandboxes(provider, 'run', (t) => out.err(t.trimEnd()), { exitOnSignal: false });
  const abort = new AbortController();
  const onSigint = () => abort.abort(new Error('interrupted (SIGINT)'));
  process.once('SIGINT', onSigint);
  try {
    let image: ResolvedInstanceImage;
    try {
      image = await resolveInstanceImage(task, specs, settings, {
        provider,
        onLog: (m) => {
          if (!opts.json) out.line(`-- ${sanitize(m)}`);
        },
        // Building an image shows what it is doing (a live line on a terminal), never the build's own output.
        ...(opts.json ? {} : { progress: cliProgress({ write: (t) => process.stderr.write(t), isTTY: !!process.stderr.isTTY }) }),
      });
    } catch (e) {
      const msg = `no image for ${task.instance_id}: ${errText(e)}`;
      if (opts.json) out.line(terminalSafeJson({ v: 1, ts: Date.now(), rollout: rolloutId, type: 'rollout_ended', status: 'no_image', error: msg, duration_ms: 0 }));
      else out.err(`swegym run: ${sanitize(msg)}`);
      return 1;
    }
    const outcome = await runPipelineRollout({ task, settings, specs, provider, image, emitter, signal: abort.signal, seed: settings.seed });
    if (!opts.json) {
      const patch = outcome.result?.patch ?? '';
      out.line('');
      out.line(patch ? `== diff (${patch.split('\n').length - 1} lines):\n${sanitize(patch)}` : '== diff: (empty)');
      if (outcome.verdict) {
        const v = outcome.verdict;
        out.line(`== ${v.instance_id}: ${v.status.toUpperCase()}${v.resolved ? ' (resolved)' : ''}${v.env_partial ? ' [env_partial: built without some install steps]' : ''}${v.reason ? ` - ${sanitize(v.reason)}` : ''}`);
        if (v.tests_status) {
          const f2p = v.tests_status.FAIL_TO_PASS;
          const p2p = v.tests_status.PASS_TO_PASS;
          out.line(`   FAIL_TO_PASS ${f2p.success.length}/${f2p.success.length + f2p.failure.length}, PASS_TO_PASS ${p2p.success.length}/${p2p.success.length + p2p.failure.length}`);
        }
        if (v.log_dir) out.line(`   logs: ${v.log_dir}`);
      }
    }
    return outcome.status === 'completed' ? 0 : outcome.status === 'interrupted' ? 130 : 1;
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
