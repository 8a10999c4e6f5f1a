import { join } from 'node:path';
import { loadTasks, type TaskRecord } from '../../core/dataset/index.js';
import { DockerProvider, loadSpecRegistry, type SpecRegistry } from '../../core/runtime/index.js';
import { claimSandboxes } from '../shared/sandboxes.js';
import { validateDataset, type ProfileName } from '../../core/harness/index.js';
import { sanitize } from '../../core/util/index.js';
import { LOG_ROOT, Progress, checkImageOptions, environmentResolvers, parseProfile, type CommandIo, type ImageCliOptions } from './verify.js';

export interface ValidateCommandOptions extends ImageCliOptions {
  dataset: string;
  instances?: string[];
  /** Runs per instance (gold and empty each). */
  runs?: number;
  workers?: number;
  profile?: string;
  offline?: boolean;
  envSpec?: string[];
  /** Load the valid records and report the malformed ones. */
  skipInvalid?: boolean;
  /** Where per-instance results go (default logs/run_evaluation/<run_id>/validation). */
  out?: string;
  runId?: string;
  repoSource?: string;
}

const stdio: CommandIo = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  isTTY: !!process.stderr.isTTY,
};

/**
 * `swegym validate`: every instance with the gold patch and with no patch, N times; FAIL_TO_PASS / PASS_TO_PASS
 * derived as SWE-Gym did and compared with the record; flaky tests flagged; a "gold validated" JSON per instance.
 * Exit code 0 when every instance is gold-validated, 1 otherwise, 2 on bad input.
 */
export async function validateCommand(opts: ValidateCommandOptions, io: CommandIo = stdio): Promise<number> {
  let tasks: TaskRecord[];
  let profile: ProfileName | undefined;
  let registry: SpecRegistry;
  try {
    profile = parseProfile(opts.profile);
    if (opts.runs !== undefined && (!Number.isInteger(opts.runs) || opts.runs < 1)) throw new Error(`--runs must be a positive integer (got ${opts.runs})`);
    checkImageOptions(opts);
    const loaded = await loadTasks(opts.dataset, { ids: opts.instances, skipInvalid: opts.skipInvalid });
    tasks = loaded.tasks;
    for (const e of loaded.errors) io.err(`swegym validate: skipped invalid record: ${sanitize(e.message)}\n`);
    registry = loadSpecRegistry(opts.envSpec ?? []);
  } catch (e) {
    io.err(`swegym validate: ${sanitize((e as Error).message)}\n`);
    return 2;
  }
  const provider = new DockerProvider();
  {
    // Before any container runs: an offline build that would leave an environment broken is bad input (exit 2).
    const gaps = await environmentResolvers(registry, { ...opts, log: () => undefined }).preflight(tasks, provider.docker);
    if (gaps) {
      io.err(`swegym validate: ${sanitize(gaps)}\n`);
      return 2;
    }
  }
  await claimSandboxes(provider, 'validate', io.err, { exitOnSignal: true });
  const runId = opts.runId ?? `validate-${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}`;
  const progress = new Progress(io, tasks.length, 'validate');
  const { specFor, imageFor } = environmentResolvers(registry, { ...opts, log: (l) => (io.isTTY ? progress.phase('image', l) : io.err(`${sanitize(l)}\n`)) });
  const summary = await validateDataset({
    tasks,
    provider,
    specFor,
    imageFor,
    runs: opts.runs ?? 1,
    workers: opts.workers ?? 1,
    profile,
    logRoot: LOG_ROOT,
    runId,
    outDir: opts.out,
    offline: opts.offline,
    onProgress: ({ result: r }) =>
      progress.item(r.instance_id, r.gold_validated ? 'gold validated' : 'NOT validated', r.reasons.join('; ')),
    onPhase: (id, _p, m) => progress.phase(id, m),
  });
  progress.end();
  io.out(
    [
      `Instances: ${summary.total}`,
      `Gold validated: ${summary.gold_validated}`,
      `Not validated: ${summary.not_validated_ids.length}${summary.not_validated_ids.length ? ` (${summary.not_validated_ids.map(sanitize).join(', ')})` : ''}`,
      `Derived FAIL_TO_PASS/PASS_TO_PASS differ from the record: ${summary.mismatched_record_ids.length}`,
      `With flaky tests: ${summary.flaky_ids.length}`,
      `Results: ${summary.out_dir}${summary.out_dir.endsWith('/') ? '' : '/'}<instance_id>.json, ${join(summary.out_dir, 'summary.json')}`,
      '',
    ].join('\n'),
  );
  return summary.not_validated_ids.length === 0 ? 0 : 1;
}
