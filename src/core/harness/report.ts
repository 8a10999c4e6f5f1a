import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ProfileName } from './types.js';
import { getProfile, harnessStamp, type HarnessStamp } from './profiles.js';
import { InfraFailureFold } from './logs.js';
import { forEachLineOfFileSync } from './log-lines.js';

export const LOG_REPORT = 'report.json';
export const LOG_INSTANCE = 'run_instance.log';
export const LOG_TEST_OUTPUT = 'test_output.txt';
export const LOG_EVAL_SCRIPT = 'eval.sh';
export const LOG_PATCH = 'patch.diff';

/** `logs/run_evaluation/<run_id>/<model with / -> __>/<instance_id>/` under `logRoot` (= logs/run_evaluation). */
export function instanceLogDir(logRoot: string, runId: string, model: string, instanceId: string): string {
  return join(logRoot, runId, model.replaceAll('/', '__'), instanceId);
}

/** Python `json.dumps(obj, indent=N)` (ensure_ascii: non-ASCII as \uXXXX escapes), so files diff cleanly. */
export function pyJsonDumps(value: unknown, indent = 4): string {
  const text = JSON.stringify(value, null, indent);
  return text.replace(/[\u007f-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

export function writeFileEnsured(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
}

export interface Prediction {
  instance_id: string;
  model_patch: string | null;
  model_name_or_path: string;
}

export interface RunSummary {
  total_instances: number;
  submitted_instances: number;
  completed_instances: number;
  resolved_instances: number;
  unresolved_instances: number;
  empty_patch_instances: number;
  error_instances: number;
  unstopped_instances: number;
  completed_ids: string[];
  incomplete_ids: string[];
  empty_patch_ids: string[];
  submitted_ids: string[];
  resolved_ids: string[];
  unresolved_ids: string[];
  error_ids: string[];
  unstopped_containers: string[];
  unremoved_images: string[];
  schema_version: 2;
  /** main only: the infra-failure classification of unresolved and error instances. */
  infra_failure_instances?: number;
  ambiguous_failure_instances?: number;
  infra_failure_ids?: string[];
  ambiguous_failure_ids?: string[];
  failure_reasons?: Record<string, string>;
  /** swegym's addition: the profile and the official version it reproduces. */
  harness: HarnessStamp;
  /** swegym's addition: instances verified in a partial environment (`--allow-partial-env`); absent when none. */
  env_partial_ids?: string[];
}

/**
 * `make_run_report`: classify every dataset instance the way the harness does — no prediction -> incomplete;
 * empty/None patch -> empty_patch; report.json present -> completed and resolved/unresolved (an empty or broken
 * report -> error); otherwise -> error.
 */
export function makeRunSummary(opts: {
  instanceIds: string[];
  predictions: Record<string, Prediction>;
  logRoot: string;
  runId: string;
  profile: ProfileName;
  unstoppedContainers?: string[];
  unremovedImages?: string[];
}): RunSummary {
  const completed = new Set<string>();
  const resolved = new Set<string>();
  const unresolved = new Set<string>();
  const errors = new Set<string>();
  const incomplete = new Set<string>();
  const empty = new Set<string>();
  for (const id of opts.instanceIds) {
    const pred = opts.predictions[id];
    if (!pred) {
      incomplete.add(id);
      continue;
    }
    if (pred.model_patch === '' || pred.model_patch === null || pred.model_patch === undefined) {
      empty.add(id);
      continue;
    }
    const file = join(instanceLogDir(opts.logRoot, opts.runId, pred.model_name_or_path, id), LOG_REPORT);
    if (!existsSync(file)) {
      errors.add(id);
      continue;
    }
    completed.add(id);
    try {
      const content = readFileSync(file, 'utf8').trim();
      if (!content) {
        errors.add(id);
        continue;
      }
      const report = JSON.parse(content);
      if (report[id].resolved) resolved.add(id);
      else unresolved.add(id);
    } catch {
      errors.add(id);
    }
  }
  const sorted = (s: Iterable<string>) => [...s].sort();
  const unstopped = opts.unstoppedContainers ?? [];
  const base = {
    total_instances: opts.instanceIds.length,
    submitted_instances: Object.keys(opts.predictions).length,
    completed_instances: completed.size,
    resolved_instances: resolved.size,
    unresolved_instances: unresolved.size,
    empty_patch_instances: empty.size,
    error_instances: errors.size,
  };
  const ids = {
    completed_ids: sorted(completed),
    incomplete_ids: sorted(incomplete),
    empty_patch_ids: sorted(empty),
    submitted_ids: sorted(Object.keys(opts.predictions)),
    resolved_ids: sorted(resolved),
    unresolved_ids: sorted(unresolved),
    error_ids: sorted(errors),
  };
  const extra = { unstopped_containers: sorted(unstopped), unremoved_images: sorted(opts.unremovedImages ?? []) };
  const harness = harnessStamp(opts.profile);
  const layout = getProfile(opts.profile).summaryLayout;
  if (layout === 'v2') {
    return { ...base, unstopped_instances: unstopped.length, ...ids, ...extra, schema_version: 2, harness };
  }
  if (layout === 'v4.1') {
    return { ...base, ...ids, schema_version: 2, unstopped_instances: unstopped.length, ...extra, harness };
  }
  // main: why did the unresolved and error instances fail (test_output.txt + run_instance.log signatures)?
  const infraIds = new Set<string>();
  const ambiguousIds = new Set<string>();
  const reasons: Record<string, string> = {};
  for (const id of [...unresolved, ...errors]) {
    const pred = opts.predictions[id];
    const dir = instanceLogDir(opts.logRoot, opts.runId, pred.model_name_or_path, id);
    // streamed: a test_output.txt can be far larger than a string can hold
    const fold = new InfraFailureFold();
    for (const f of [LOG_TEST_OUTPUT, LOG_INSTANCE].map((f) => join(dir, f)).filter((f) => existsSync(f))) {
      forEachLineOfFileSync(f, (l) => fold.line(l));
    }
    const c = fold.result();
    if (!c) continue;
    reasons[id] = c.reason;
    (c.environment ? infraIds : ambiguousIds).add(id);
  }
  return {
    total_instances: base.total_instances,
    submitted_instances: base.submitted_instances,
    completed_instances: base.completed_instances,
    resolved_instances: base.resolved_instances,
    unresolved_instances: base.unresolved_instances,
    infra_failure_instances: infraIds.size,
    ambiguous_failure_instances: ambiguousIds.size,
    empty_patch_instances: empty.size,
    error_instances: errors.size,
    completed_ids: ids.completed_ids,
    incomplete_ids: ids.incomplete_ids,
    empty_patch_ids: ids.empty_patch_ids,
    submitted_ids: ids.submitted_ids,
    resolved_ids: ids.resolved_ids,
    unresolved_ids: ids.unresolved_ids,
    infra_failure_ids: sorted(infraIds),
    ambiguous_failure_ids: sorted(ambiguousIds),
    failure_reasons: Object.fromEntries(Object.keys(reasons).sort().map((k) => [k, reasons[k]])),
    error_ids: ids.error_ids,
    schema_version: 2,
    unstopped_instances: unstopped.length,
    ...extra,
    harness,
  };
}

/** `<model with / -> __>.<run_id>.json`. */
export function runSummaryFileName(model: string, runId: string): string {
  return `${model.replaceAll('/', '__')}.${runId}.json`;
}
