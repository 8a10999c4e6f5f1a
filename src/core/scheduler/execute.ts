import { lineProgress, type Progress } from '../util/progress.js';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { loadPrompts } from '../agent/prompts.js';
import type { TaskRecord } from '../dataset/schema.js';
import type { BatchSettings } from '../rollout/settings.js';
import { loadSpecRegistry, type SpecRegistry } from '../runtime/spec-registry.js';
import type { SessionWriter } from '../session/writer.js';
import { sha256 } from '../session/manifest.js';
import { Scheduler, type RolloutRunner, type SchedulerResult } from './scheduler.js';
import { EndpointLimiter } from './semaphore.js';
import { ImagePrefetcher } from './images.js';
import { makeDefaultRunner, makeImageOps } from './runner.js';
import { loadBatchConfig, makeEngines } from './engines.js';
import { formatProgressLine, plainProgress, ttyStatusLine } from './progress.js';
import type { WorkItem } from './queue.js';
import { startRemoteControl } from './remote-control.js';
import { EngineSet } from '../runtime/engine-set.js';
import { sweepLeftovers } from '../runtime/lifecycle.js';

export type { BatchSettings } from '../rollout/settings.js';

export interface ExecuteIO {
  out: (line: string) => void;
  err: (line: string) => void;
  /** Install Ctrl-C handling (first: graceful, second: now). */
  signals?: boolean;
  /** Tests and the workbench can inject a runner; default: runRollout + verifyPatch on Docker. */
  runner?: RolloutRunner;
  onScheduler?: (s: Scheduler) => void;
  /** Draw a live status line on this terminal instead of printing plain progress lines (default: stdout is a TTY). */
  tty?: { write(s: string): unknown; columns?: number } | false;
  /**
   * Apply commands another process appends to the session's control.jsonl (`swegym control`, the workbench); default
   * true. live.json (the live snapshot followers read) is published either way, with `control` saying which.
   */
  remoteControl?: boolean;
}

/**
 * sha256 of every prompt template the LLM agent will use: the user's override where it has one, the bundled file
 * otherwise (resolved like the agent does, so the hashes do not depend on the current directory).
 */
export async function promptTemplateHashes(overrideDir?: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const t of Object.values(await loadPrompts(overrideDir))) out[basename(t.file)] = sha256(readFileSync(t.file));
  return out;
}

export function envSpecHashes(specs: SpecRegistry, tasks: TaskRecord[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of tasks) {
    const k = `${t.repo}@${t.version}`;
    if (out[k]) continue;
    try {
      out[k] = specs.hash(t.repo, String(t.version));
    } catch (e) {
      out[k] = `missing: ${(e as Error).message.split('\n')[0]}`;
    }
  }
  return out;
}

export interface SessionSchedulerOptions {
  /** Default: the rollout pipeline on the configured engines (makeDefaultRunner). */
  runner?: RolloutRunner;
  /** Wraps the runner (the workbench listens to each rollout's events this way). */
  wrapRunner?: (runner: RolloutRunner) => RolloutRunner;
  previous?: ConstructorParameters<typeof Scheduler>[0]['previous'];
  /** Remove the session's leftover containers on every engine first (a resumed or re-opened session). */
  sweep?: boolean;
  onSwept?: (n: number) => void;
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
  /** An engine that cannot be listed while sweeping. */
  engineError?: (message: string) => void;
  /** Where API keys and the engine configuration are read (default process.env). */
  env?: Record<string, string | undefined>;
  /** Image preparation (pulls, builds) reported as jobs; their raw output goes to log files. */
  progress?: Progress;
}

/**
 * The one composition of a session run, for the CLI (batch, resume) and the workbench alike: the configured
 * engines (SWEGYM_ENGINES / swegym.config.json), an image prefetcher per engine with the settings' image options
 * (pull, template, naming, repo source, offline, disk budget), the per-endpoint limiter, the infra retries, the
 * timeouts, the budget and the rollout pipeline as the runner. Every option a batch has, the workbench has.
 */
export async function createSessionScheduler(
  writer: SessionWriter,
  items: WorkItem[],
  settings: BatchSettings,
  o: SessionSchedulerOptions = {},
): Promise<{ scheduler: Scheduler; swept: number }> {
  const cfg = loadBatchConfig(o.env);
  const engines = makeEngines(cfg.engines, writer.id);
  let swept = 0;
  if (o.sweep) {
    // This session's containers (by its unique id) whose creating process is gone, on every engine: a crashed run's.
    const all = new EngineSet(engines.map((e) => e.provider), {
      onEngineError: (engine, err) => o.engineError?.(`engine ${engine}: cannot list containers: ${err.message}`),
    });
    swept = await sweepLeftovers(all, writer.id);
    if (swept > 0) o.onSwept?.(swept);
  }
  const specs = loadSpecRegistry(settings.env_spec_files ?? []);
  const base = o.runner ?? makeDefaultRunner({ settings, specs, logDir: join(writer.dir, 'verify'), env: o.env });
  const runner = o.wrapRunner ? o.wrapRunner(base) : base;
  for (const e of engines) {
    e.images = new ImagePrefetcher(makeImageOps({ specs, settings, provider: e.provider, progress: o.progress }), {
      diskBudgetBytes: cfg.image_disk_budget_gb ? cfg.image_disk_budget_gb * 1024 ** 3 : undefined,
    });
  }
  const limiter = new EndpointLimiter(settings.endpoint_max_inflight ?? Number.MAX_SAFE_INTEGER);
  const scheduler = new Scheduler({
    session: writer,
    items,
    runner,
    engines,
    concurrency: settings.concurrency,
    limiter,
    maxInfraRetries: settings.max_infra_retries ?? 2,
    // The wall-clock limit is enforced inside runRollout (the patch is still verified); the scheduler's own limit is
    // a backstop for a rollout that does not return, e.g. a hung verification.
    // Without --rollout-timeout the backstop assumes OpenHands' 120-minute per-instance limit.
    rolloutTimeoutMs: ((settings.rollout_timeout_sec ?? 7200) + (settings.verify_timeout_sec ?? 1800) + 120) * 1000,
    stallAfterMs: (settings.stall_after_sec ?? 600) * 1000,
    budgetUsd: settings.budget_usd,
    budgetTokens: settings.budget_tokens,
    previous: o.previous,
    containersSwept: swept,
    log: o.log,
  });
  return { scheduler, swept };
}

/**
 * Runs (or continues) a session: sweeps containers a crashed run of it left, prepares images ahead, runs the items
 * with the scheduler, prints progress, handles Ctrl-C, and never leaves containers.
 */
export async function executeSession(
  writer: SessionWriter,
  items: WorkItem[],
  settings: BatchSettings,
  io: ExecuteIO,
  previous?: ConstructorParameters<typeof Scheduler>[0]['previous'],
): Promise<SchedulerResult> {
  // On a terminal: one live status line, log lines printed above it. Otherwise (logs, CI, nohup): plain lines.
  const term = io.tty ?? (process.stdout.isTTY ? process.stdout : false);
  const status = term ? ttyStatusLine(term) : undefined;
  const out = status ? (l: string) => status.above(() => io.out(l)) : io.out;
  const err = status ? (l: string) => status.above(() => io.err(l)) : io.err;
  const { scheduler: sched } = await createSessionScheduler(writer, items, settings, {
    runner: io.runner,
    previous,
    sweep: true,
    onSwept: (n) => out(`Removed ${n} leftover container(s) of session ${writer.name}.`),
    log: (level, m) => (level === 'info' ? out : err)(`${level}: ${m}`),
    engineError: (m) => err(m),
    // Image builds: a line when each ends (with its log on failure), printed above the live status line.
    progress: lineProgress((l) => out(l)),
  });
  io.onScheduler?.(sched);
  const remote = startRemoteControl(writer.dir, sched, { control: io.remoteControl !== false, log: (level, m) => (level === 'info' ? out : err)(`${level}: ${m}`) });
  let finish: (final?: SchedulerResult['snapshot']) => void;
  if (status) {
    const unsub = sched.onSnapshot((s) => status.update(s));
    finish = (final) => {
      unsub();
      status.close();
      if (final) io.out(formatProgressLine(final));
    };
  } else finish = plainProgress((cb) => sched.onSnapshot(cb), io.out, 2000);
  let sigints = 0;
  const onSigint = () => {
    sigints++;
    if (sigints === 1) {
      err('Stopping: no new rollouts; running ones finish. Ctrl-C again to stop now.');
      void sched.stop('graceful');
    } else {
      err('Stopping now: interrupting running rollouts and removing their containers.');
      void sched.stop('now');
    }
  };
  const onSigterm = () => void sched.stop('now');
  if (io.signals) {
    process.on('SIGINT', onSigint);
    process.on('SIGTERM', onSigterm);
  }
  try {
    const res = await sched.run();
    remote.close(res.snapshot);
    finish(res.snapshot);
    writer.updateManifest({});
    return res;
  } finally {
    remote.close();
    if (io.signals) {
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigterm);
    }
  }
}
