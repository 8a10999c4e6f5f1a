import { LiveLines } from '../shared/live-lines.js';
import { bar, cliProgress } from '../shared/progress-view.js';
import { sanitize, type Progress as ProgressSink } from '../../core/util/index.js';
import { join } from 'node:path';
import { loadTasks, type TaskRecord } from '../../core/dataset/index.js';
import { DockerProvider, ensureInstanceImage, applyImageTemplate, loadSpecRegistry, type ImageNaming, type SpecRegistry } from '../../core/runtime/index.js';
import { claimSandboxes } from '../shared/sandboxes.js';
import type Dockerode from 'dockerode';
import { environmentPreflight, imageOptionsFor, namingFor, type RolloutSettings } from '../../core/rollout/index.js';
/** Official image names by dataset (the rollout pipeline's rule), for the tests and commands that import it from here. */
export { namingFor };
import { loadPredictions, ProfileName, runEvaluation, getProfile, runSummaryFileName, type Verdict } from '../../core/harness/index.js';

/** The image options verify, validate and run share (`--image-template`, `--image-naming`, `--no-pull`). */
export interface ImageCliOptions {
  imageTemplate?: string;
  imageNaming?: string;
  noPull?: boolean;
  /** Build the instance images again even when a matching one exists. */
  rebuild?: boolean;
  /** Build offline without the install steps that need the network; verdicts are marked env_partial. */
  allowPartialEnv?: boolean;
}

/** Checks the image options up front, so a typo is a bad-input error (exit 2), not an image_error per instance. */
export function checkImageOptions(o: ImageCliOptions): { template?: string; naming?: ImageNaming } {
  if (o.imageNaming !== undefined && o.imageNaming !== 'swegym' && o.imageNaming !== 'swebench' && o.imageNaming !== 'none') {
    throw new Error(`--image-naming must be swegym, swebench or none (got "${o.imageNaming}")`);
  }
  if (o.imageTemplate !== undefined) applyImageTemplate(o.imageTemplate, { instance_id: 'owner__repo-1', repo: 'owner/repo', version: '1.0' });
  return { template: o.imageTemplate, naming: o.imageNaming as ImageNaming | undefined };
}


export interface VerifyCommandOptions extends ImageCliOptions {
  dataset: string;
  /** predictions.jsonl | 'gold' | 'empty' */
  predictions: string;
  instances?: string[];
  workers?: number;
  report?: string;
  profile?: string;
  runId?: string;
  offline?: boolean;
  envSpec?: string[];
  /** Load the valid records and report the malformed ones. */
  skipInvalid?: boolean;
  repoSource?: string;
}

export interface CommandIo {
  out: (text: string) => void;
  err: (text: string) => void;
  isTTY: boolean;
}

const stdio: CommandIo = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  isTTY: !!process.stderr.isTTY,
};

/** `logs/run_evaluation` under the working directory, as the harness lays it out. */
export const LOG_ROOT = join('logs', 'run_evaluation');

/** `swebench = SWE-bench 5.0.2 (main 7a21e05)`, one entry per profile used. */
function harnessLine(profile: ProfileName | undefined, verdicts: Verdict[]): string {
  const names = profile ? [profile] : [...new Set(verdicts.map((v) => v.profile))];
  const line = names.map((n) => `${n} = ${getProfile(n).official}`).join('; ');
  return profile ? line : `by dataset: ${line}`;
}

export function parseProfile(p: string | undefined): ProfileName | undefined {
  if (p === undefined) return undefined;
  const r = ProfileName.safeParse(p);
  if (!r.success) throw new Error(`--profile must be one of ${ProfileName.options.join(', ')} (got "${p}")`);
  return r.data;
}

/**
 * Spec and image resolvers shared by verify and validate: a local image when present (the record's image_name,
 * --image-template, the official names), else a `docker pull` attempt (unless --no-pull or --offline; a registry
 * that does not answer is tolerated), else a build offline from --repo-source or the bundled samples.
 */
export function environmentResolvers(registry: SpecRegistry, opts: ImageCliOptions & { offline?: boolean; repoSource?: string; dataset?: string; log: (l: string) => void; progress?: ProgressSink }) {
  const { template, naming } = checkImageOptions(opts);
  const specFor = (t: TaskRecord) => registry.lookup(t.repo, t.version);
  // The rollout pipeline's image resolution (pull unless offline / --no-pull, naming by dataset, repo source).
  const settings: RolloutSettings = {
    agent: 'verify',
    offline: opts.offline,
    ...(opts.noPull ? { pull_images: false } : {}),
    image_template: template,
    image_naming: naming,
    repo_source: opts.repoSource,
    ...(opts.rebuild ? { rebuild_images: true } : {}),
    ...(opts.allowPartialEnv ? { allow_partial_env: true } : {}),
  };
  const imageInfoFor = async (t: TaskRecord) =>
    ensureInstanceImage(t, specFor(t), {
      ...imageOptionsFor(t, settings, { onLog: (l) => opts.log(l) }),
      rebuild: opts.rebuild,
      allowPartialEnv: opts.allowPartialEnv,
      ...(opts.dataset ? { dataset: opts.dataset } : {}),
      ...(opts.progress ? { progress: opts.progress } : {}),
    });
  const imageFor = async (t: TaskRecord) => (await imageInfoFor(t)).image;
  /** Exit-2 text when an offline build could not complete some task's environment (checked before any container). */
  const preflight = (tasks: TaskRecord[], docker: Dockerode) => environmentPreflight(tasks, registry, settings, docker, opts.log);
  return { specFor, imageFor, imageInfoFor, preflight };
}

/** The verdict count as a live bar on a TTY (under the image jobs' live lines), plain lines otherwise. */
export class Progress {
  private counts = new Map<string, number>();
  private done = 0;
  private note = '';
  readonly live: LiveLines | undefined;
  constructor(
    private readonly io: CommandIo,
    private readonly total: number,
    private readonly label: string,
  ) {
    this.live = io.isTTY ? new LiveLines((t) => io.err(t)) : undefined;
    this.live?.set('~total', () => this.barText());
  }
  item(id: string, status: string, detail = ''): void {
    this.done++;
    this.note = '';
    this.counts.set(status, (this.counts.get(status) ?? 0) + 1);
    const line = `[${this.done}/${this.total}] ${id}: ${status}${detail ? ` ${detail}` : ''}`;
    if (this.live) this.live.print(line);
    else this.io.err(`${sanitize(line)}\n`);
  }
  phase(id: string, message: string): void {
    if (!this.live) return;
    this.note = `${id}: ${message}`.slice(0, 60);
    this.live.set('~total', () => this.barText());
  }
  private barText(): string {
    const counts = [...this.counts].map(([k, v]) => `${k} ${v}`).join(' · ');
    return `${this.label} ${bar(this.done, this.total, 24)}${counts ? `  ${counts}` : ''}${this.note ? `  ${this.note}` : ''}`;
  }
  end(): void {
    this.live?.close();
  }
}

export function describe(v: Verdict): string {
  const secs = v.total_ms !== undefined ? `${(v.total_ms / 1000).toFixed(1)} s` : '';
  return [secs, v.status === 'resolved' ? '' : v.reason ?? ''].filter(Boolean).join(' · ');
}

/**
 * `swegym verify`: verify predictions (a JSONL/JSON file, or the gold / empty patches) on a dataset, exactly as
 * the chosen harness profile would, writing `logs/run_evaluation/<run_id>/<model>/<instance_id>/` and the run
 * summary. Exit code 0 when every submitted instance was graded (and, for gold, resolved); 1 otherwise; 2 on bad
 * input.
 */
export async function verifyCommand(opts: VerifyCommandOptions, io: CommandIo = stdio): Promise<number> {
  let tasks: TaskRecord[];
  let profile: ProfileName | undefined;
  let registry: SpecRegistry;
  let predictions;
  try {
    profile = parseProfile(opts.profile);
    checkImageOptions(opts);
    const loaded = await loadTasks(opts.dataset, { ids: opts.instances, skipInvalid: opts.skipInvalid });
    tasks = loaded.tasks;
    for (const e of loaded.errors) io.err(`swegym verify: skipped invalid record: ${sanitize(e.message)}\n`);
    registry = loadSpecRegistry(opts.envSpec ?? []);
    // With --instances or --skip-invalid, `tasks` is not the whole dataset: other ids are filtered out, not errors.
    predictions = loadPredictions(opts.predictions ?? 'gold', tasks, { requireKnown: !opts.instances?.length && !opts.skipInvalid });
    if (opts.instances?.length) predictions = predictions.filter((p) => opts.instances!.includes(p.instance_id));
  } catch (e) {
    io.err(`swegym verify: ${sanitize((e as Error).message)}\n`);
    return 2;
  }
  const provider = new DockerProvider();
  {
    // Before any container runs: an offline build that would leave an environment broken is bad input (exit 2).
    const withPatch = new Set(predictions.filter((p) => p.model_patch).map((p) => p.instance_id));
    const gaps = await environmentResolvers(registry, { ...opts, log: () => undefined }).preflight(tasks.filter((t) => withPatch.has(t.instance_id)), provider.docker);
    if (gaps) {
      io.err(`swegym verify: ${sanitize(gaps)}\n`);
      return 2;
    }
  }
  await claimSandboxes(provider, 'verify', io.err, { exitOnSignal: true });

  const runId = opts.runId ?? `verify-${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}`;
  const model = predictions[0]?.model_name_or_path ?? 'None';
  const progress = new Progress(io, predictions.length, 'verify');
  const jobs = cliProgress({ write: (t) => io.err(t), isTTY: io.isTTY, live: progress.live });
  const { specFor, imageInfoFor, preflight } = environmentResolvers(registry, { ...opts, progress: jobs, log: (l) => (io.isTTY ? progress.phase('image', l) : io.err(`${sanitize(l)}\n`)) });
  let result;
  try {
    result = await runEvaluation({
      tasks,
      predictions,
      provider,
      specFor,
      imageFor: imageInfoFor,
      workers: opts.workers ?? 1,
      runId,
      model,
      logRoot: LOG_ROOT,
      profile,
      offline: opts.offline,
      summaryPath: opts.report ?? runSummaryFileName(model, runId),
      onProgress: ({ verdict }) => progress.item(verdict.instance_id, verdict.status, describe(verdict)),
      onPhase: (id, _p, m) => progress.phase(id, m),
    });
  } catch (e) {
    progress.end();
    io.err(`swegym verify: ${sanitize((e as Error).message)}\n`);
    return 2;
  }
  progress.end();
  const s = result.summary;
  io.out(
    [
      `Total instances: ${s.total_instances}`,
      `Instances submitted: ${s.submitted_instances}`,
      `Instances completed: ${s.completed_instances}`,
      `Instances incomplete: ${s.incomplete_ids.length}`,
      `Instances resolved: ${s.resolved_instances}`,
      `Instances unresolved: ${s.unresolved_instances}`,
      `Instances with empty patches: ${s.empty_patch_instances}`,
      `Instances with errors: ${s.error_instances}`,
      ...(s.infra_failure_instances !== undefined
        ? [`Instances with likely infrastructure failures: ${s.infra_failure_instances}`, `Instances with ambiguous failures: ${s.ambiguous_failure_instances}`]
        : []),
      `Harness: ${harnessLine(profile, result.verdicts)}`,
      `Logs: ${join(LOG_ROOT, runId)}`,
      `Report written to ${result.summaryPath}`,
      '',
    ].join('\n'),
  );
  if (s.error_instances > 0) return 1;
  if (opts.predictions === 'gold' && s.unresolved_instances > 0) return 1;
  return 0;
}
