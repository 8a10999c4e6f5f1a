import { readFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { RolloutEmitter, type RolloutEvent } from '../../core/events.js';
import type { Agent } from '../../core/agent/types.js';
import type { EnvSpec } from '../../core/runtime/env-spec.js';
import type { TaskRecord } from '../../core/dataset/schema.js';
import type { ProfileName } from '../../core/harness/types.js';
import { GoldAgent } from '../../core/agent/gold-agent.js';
import { ReplayAgent } from '../../core/agent/replay-agent.js';
import { LlmAgent } from '../../core/agent/llm/agent.js';
import { parseLlmAgentConfig, parseLlmAgentConfigFile, type LlmAgentConfig } from '../../core/agent/llm/config.js';
import { loadTasks } from '../../core/dataset/load.js';
import { loadSpecRegistry } from '../../core/runtime/spec-registry.js';
import { DockerProvider, installCleanupHandlers } from '../../core/runtime/docker.js';
import { verifyPatch } from '../../core/harness/verify.js';
import { runRollout } from '../../core/rollout/run-rollout.js';
import { formatEvent } from '../../core/rollout/plain-printer.js';
import { sanitize, terminalSafeJson } from '../../core/util/sanitize.js';
import { ensureInstanceImage } from '../../core/runtime/images.js';
import { sampleRepoSource } from '../../core/dataset/samples.js';
import { defaultProfileFor } from '../../core/harness/profiles.js';
import { checkImageOptions, namingFor, parseProfile, reportSweep, type ImageCliOptions } from './verify.js';

export interface RunCommandOptions extends ImageCliOptions {
  dataset: string;
  instance: string;
  agent: 'llm' | 'gold' | 'replay';
  model?: string;
  baseUrl?: string;
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
  let spec: EnvSpec;
  let agent: Agent;
  let profile: ProfileName;
  let images: ReturnType<typeof checkImageOptions>;
  try {
    images = checkImageOptions(opts);
    const loaded = await loadTasks(opts.dataset, { ids: [opts.instance] });
    task = loaded.tasks[0];
    if (!task) throw new Error(`instance ${opts.instance} not found in ${opts.dataset}`);
    spec = loadSpecRegistry(opts.envSpec ?? []).lookup(task.repo, String(task.version));
    agent = await makeAgent(opts);
    profile = parseProfile(opts.profile) ?? defaultProfileFor(task);
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

  const provider = new DockerProvider();
  // Containers are removed on crashes and signals too; a first Ctrl-C interrupts the rollout, which ends cleanly.
  installCleanupHandlers({ exitOnSignal: false });
  await reportSweep(provider, 'run', (t) => out.err(t.trimEnd()));
  const abort = new AbortController();
  const onSigint = () => abort.abort(new Error('interrupted (SIGINT)'));
  process.once('SIGINT', onSigint);
  try {
    let image: { image: string; source: 'local' | 'pulled' | 'built' };
    try {
      image = await ensureInstanceImage(task, spec, {
        offline: opts.offline,
        pull: !opts.offline && !opts.noPull,
        template: images.template,
        naming: images.naming ?? namingFor(task),
        repoSource: opts.repoSource ?? sampleRepoSource(task.repo),
        docker: provider.docker,
        onLog: (m) => {
          if (!opts.json) out.line(`-- ${sanitize(m)}`);
        },
      });
    } catch (e) {
      const msg = `no image for ${task.instance_id}: ${errText(e)}`;
      if (opts.json) out.line(terminalSafeJson({ v: 1, ts: Date.now(), rollout: rolloutId, type: 'rollout_ended', status: 'no_image', error: msg, duration_ms: 0 }));
      else out.err(`swegym run: ${sanitize(msg)}`);
      return 1;
    }
    const outcome = await runRollout({
      task,
      agent,
      provider,
      image: image.image,
      imageSource: image.source,
      emitter,
      signal: abort.signal,
      verifyProfile: profile,
      verify: (patch) => verifyPatch({ task, patch, spec, profile, provider, image: image.image, offline: opts.offline, signal: abort.signal }),
    });
    if (!opts.json) {
      const patch = outcome.result?.patch ?? '';
      out.line('');
      out.line(patch ? `== diff (${patch.split('\n').length - 1} lines):\n${sanitize(patch)}` : '== diff: (empty)');
      if (outcome.verdict) {
        const v = outcome.verdict;
        out.line(`== ${v.instance_id}: ${v.status.toUpperCase()}${v.resolved ? ' (resolved)' : ''}${v.reason ? ` - ${sanitize(v.reason)}` : ''}`);
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

async function makeAgent(opts: RunCommandOptions): Promise<Agent> {
  switch (opts.agent) {
    case 'gold':
      return new GoldAgent();
    case 'replay': {
      if (!opts.trajectory) throw new Error('--agent replay needs --trajectory FILE (a recorded rollout, JSON lines)');
      const agent = new ReplayAgent(opts.trajectory);
      await agent.trajectory(); // read and validate now: a bad file is an input error, not an infra error
      return agent;
    }
    case 'llm': {
      const overrides: Record<string, unknown> = {};
      if (opts.model) overrides.model = opts.model;
      if (opts.baseUrl) overrides.baseURL = opts.baseUrl;
      let config: LlmAgentConfig;
      if (opts.config) {
        let text: string;
        try {
          text = await readFile(opts.config, 'utf8');
        } catch (e) {
          throw new Error(`${opts.config}: cannot read the agent config (${errText(e)})`);
        }
        config = parseLlmAgentConfigFile(text, opts.config, overrides);
      } else {
        if (!overrides.model) throw new Error('--agent llm needs --model (or "model" in --config)');
        config = parseLlmAgentConfig(overrides, 'command line');
      }
      return new LlmAgent(config);
    }
    default:
      throw new Error(`unknown agent ${String(opts.agent)} (expected llm, gold or replay)`);
  }
}

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
