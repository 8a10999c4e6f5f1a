import { join } from 'node:path';
import type { TaskRecord } from '../dataset/schema.js';
import type { EnvSpec } from '../runtime/env-spec.js';
import type { RuntimeProvider } from '../runtime/types.js';
import type { ProfileName, Verdict } from './types.js';
import { defaultProfileFor } from './profiles.js';
import { testFailed } from './grading.js';
import { instanceLogDir, pyJsonDumps, writeFileEnsured } from './report.js';
import { mapPool, verifyPatch } from './verify.js';

export interface ValidateOptions {
  tasks: TaskRecord[];
  provider: RuntimeProvider;
  specFor: (task: TaskRecord) => EnvSpec | Promise<EnvSpec>;
  imageFor: (task: TaskRecord) => string | Promise<string>;
  /** Each instance runs `runs` times with the gold patch and `runs` times with no patch. */
  runs?: number;
  workers?: number;
  profile?: ProfileName;
  logRoot: string;
  runId: string;
  /** Where `<instance_id>.json` results go; default `<logRoot>/<runId>/validation`. */
  outDir?: string;
  timeoutSec?: number;
  offline?: boolean;
  signal?: AbortSignal;
  onProgress?: (event: { done: number; total: number; result: ValidationResult }) => void;
  onPhase?: (instanceId: string, phase: string, message: string) => void;
}

export interface ValidationResult {
  instance_id: string;
  profile: ProfileName;
  runs: number;
  /** The gold patch resolves the record in every run and every FAIL_TO_PASS test fails on the base code. */
  gold_validated: boolean;
  gold_statuses: string[];
  empty_statuses: string[];
  /** Every record FAIL_TO_PASS test fails (or is missing) in every run on the base code. */
  fail_to_pass_fail_on_base: boolean;
  /** As SWE-Gym derived them (gold PASSED and empty FAILED / PASSED), stable over all runs. */
  derived: { FAIL_TO_PASS: string[]; PASS_TO_PASS: string[] };
  matches_record: boolean;
  missing_from_derived: { FAIL_TO_PASS: string[]; PASS_TO_PASS: string[] };
  extra_in_derived: { FAIL_TO_PASS: string[]; PASS_TO_PASS: string[] };
  /** Tests whose status changed between runs of the same patch. */
  flaky_tests: string[];
  reasons: string[];
}

export interface ValidationSummary {
  total: number;
  gold_validated: number;
  gold_validated_ids: string[];
  not_validated_ids: string[];
  mismatched_record_ids: string[];
  flaky_ids: string[];
  results: ValidationResult[];
  out_dir: string;
}

const statusesOf = (v: Verdict) => v.test_statuses ?? {};

/** SWE-Gym (run_validation + check_validation.ipynb): PASS = PASSED, FAIL = FAILED; ERROR / SKIPPED ignored. */
export function deriveTests(gold: Record<string, string>, empty: Record<string, string>): { FAIL_TO_PASS: string[]; PASS_TO_PASS: string[] } {
  const goldPass = Object.keys(gold).filter((t) => gold[t] === 'PASSED');
  return {
    FAIL_TO_PASS: goldPass.filter((t) => empty[t] === 'FAILED'),
    PASS_TO_PASS: goldPass.filter((t) => empty[t] === 'PASSED'),
  };
}

/** Tests whose status (missing included) differs between any two of the maps. */
export function flakyTests(maps: Record<string, string>[]): string[] {
  if (maps.length < 2) return [];
  const all = new Set(maps.flatMap((m) => Object.keys(m)));
  return [...all].filter((t) => new Set(maps.map((m) => m[t] ?? 'MISSING')).size > 1).sort();
}

function diff(a: string[], b: string[]): string[] {
  const s = new Set(b);
  return a.filter((x) => !s.has(x));
}

export async function validateInstance(task: TaskRecord, opts: ValidateOptions): Promise<ValidationResult> {
  const runs = Math.max(1, opts.runs ?? 1);
  const profile = opts.profile ?? defaultProfileFor(task);
  const reasons: string[] = [];
  const gold: Verdict[] = [];
  const empty: Verdict[] = [];
  let spec: EnvSpec | undefined;
  let image: string | undefined;
  try {
    spec = await opts.specFor(task);
    image = await opts.imageFor(task);
  } catch (e) {
    reasons.push(`${spec ? 'image' : 'spec'}: ${(e as Error).message}`);
  }
  if (spec && image) {
    for (let i = 1; i <= runs && !opts.signal?.aborted; i++) {
      for (const kind of ['gold', 'empty'] as const) {
        const v = await verifyPatch({
          task,
          patch: kind === 'gold' ? task.patch : '',
          runEmpty: kind === 'empty',
          spec,
          profile,
          provider: opts.provider,
          image,
          logDir: instanceLogDir(opts.logRoot, opts.runId, `validate-${kind}-run${i}`, task.instance_id),
          timeoutSec: opts.timeoutSec,
          offline: opts.offline,
          signal: opts.signal,
          onPhase: opts.onPhase ? (p, m) => opts.onPhase!(task.instance_id, p, `${kind} run ${i}: ${m}`) : undefined,
        });
        (kind === 'gold' ? gold : empty).push(v);
      }
    }
  }
  for (const v of [...gold, ...empty]) {
    if (!['resolved', 'unresolved'].includes(v.status)) reasons.push(`${v.status}: ${v.reason ?? ''}`.trim());
  }
  const goldMaps = gold.map(statusesOf);
  const emptyMaps = empty.map(statusesOf);
  const perRun = goldMaps.map((g, i) => deriveTests(g, emptyMaps[i] ?? {}));
  const stable = (key: 'FAIL_TO_PASS' | 'PASS_TO_PASS') =>
    perRun.length ? perRun[0][key].filter((t) => perRun.every((r) => r[key].includes(t))) : [];
  const derived = { FAIL_TO_PASS: stable('FAIL_TO_PASS'), PASS_TO_PASS: stable('PASS_TO_PASS') };
  const missing = { FAIL_TO_PASS: diff(task.FAIL_TO_PASS, derived.FAIL_TO_PASS), PASS_TO_PASS: diff(task.PASS_TO_PASS, derived.PASS_TO_PASS) };
  const extra = { FAIL_TO_PASS: diff(derived.FAIL_TO_PASS, task.FAIL_TO_PASS), PASS_TO_PASS: diff(derived.PASS_TO_PASS, task.PASS_TO_PASS) };
  const flaky = [...new Set([...flakyTests(goldMaps), ...flakyTests(emptyMaps)])].sort();
  const f2pFailOnBase =
    empty.length === runs && emptyMaps.every((m, i) => empty[i].status === 'unresolved' || empty[i].status === 'resolved' ? task.FAIL_TO_PASS.every((t) => testFailed(t, m, profile)) : false);
  const goldAll = gold.length === runs && gold.every((v) => v.status === 'resolved');
  if (gold.length && !goldAll) reasons.push(`gold patch resolved ${gold.filter((v) => v.status === 'resolved').length}/${gold.length} runs`);
  if (empty.length && !f2pFailOnBase) reasons.push('some FAIL_TO_PASS test does not fail on the base code');
  if (flaky.length) reasons.push(`flaky: ${flaky.slice(0, 5).join(', ')}${flaky.length > 5 ? ', …' : ''}`);
  const matches = [missing, extra].every((d) => d.FAIL_TO_PASS.length === 0 && d.PASS_TO_PASS.length === 0);
  if (gold.length && !matches) reasons.push('derived FAIL_TO_PASS / PASS_TO_PASS differ from the record');
  return {
    instance_id: task.instance_id,
    profile,
    runs,
    gold_validated: goldAll && f2pFailOnBase,
    gold_statuses: gold.map((v) => v.status),
    empty_statuses: empty.map((v) => v.status),
    fail_to_pass_fail_on_base: f2pFailOnBase,
    derived,
    matches_record: gold.length > 0 && matches,
    missing_from_derived: missing,
    extra_in_derived: extra,
    flaky_tests: flaky,
    reasons,
  };
}

/** Gold and empty runs for every instance, N times each; a "gold validated" JSON per instance; a summary. */
export async function validateDataset(opts: ValidateOptions): Promise<ValidationSummary> {
  const outDir = opts.outDir ?? join(opts.logRoot, opts.runId, 'validation');
  const results: ValidationResult[] = [];
  let done = 0;
  await mapPool(opts.tasks, Math.max(1, opts.workers ?? 1), async (task) => {
    if (opts.signal?.aborted) return;
    const r = await validateInstance(task, opts);
    writeFileEnsured(join(outDir, `${task.instance_id}.json`), pyJsonDumps(r) + '\n');
    results.push(r);
    done++;
    opts.onProgress?.({ done, total: opts.tasks.length, result: r });
  });
  const order = new Map(opts.tasks.map((t, i) => [t.instance_id, i]));
  results.sort((a, b) => (order.get(a.instance_id) ?? 0) - (order.get(b.instance_id) ?? 0));
  const summary: ValidationSummary = {
    total: results.length,
    gold_validated: results.filter((r) => r.gold_validated).length,
    gold_validated_ids: results.filter((r) => r.gold_validated).map((r) => r.instance_id),
    not_validated_ids: results.filter((r) => !r.gold_validated).map((r) => r.instance_id),
    mismatched_record_ids: results.filter((r) => !r.matches_record).map((r) => r.instance_id),
    flaky_ids: results.filter((r) => r.flaky_tests.length).map((r) => r.instance_id),
    results,
    out_dir: outDir,
  };
  writeFileEnsured(join(outDir, 'summary.json'), pyJsonDumps({ ...summary, results: undefined }) + '\n');
  return summary;
}
