import type { RolloutSummary } from '../session/types.js';
import { resolveRateWithBootstrap } from './bootstrap.js';
import { passAtKTable, type InstanceRuns, type PassAtKRow } from './pass-at-k.js';

export interface RepoRow {
  repo: string;
  instances: number;
  resolved: number;
  resolve_rate: number;
  rollouts: number;
}

export interface SessionReport {
  instances: number;
  samples: number;
  rollouts: { total: number; completed: number; infra_error: number; interrupted: number; no_image: number; running: number; queued: number };
  /** Sample 0 (t = 0 in SWE-Gym's schedule) over every instance of the selection, percent, with bootstrap std. */
  resolve_rate: { percent: number; bootstrap_std: number; resolved: number; of: number };
  /** Mean over every (instance, sample) of the plan, percent. */
  resolve_rate_all_samples: number;
  /** Completed rollouts whose patch was empty, over completed rollouts, percent. */
  empty_patch_rate: number;
  stop_reasons: Record<string, number>;
  verdicts: Record<string, number>;
  /**
   * Completed rollouts whose patch touched test files, conftest.py or test configuration (harness/tamper.ts), and how
   * many of them were graded resolved. The resolve rates above count them as the official harness does.
   */
  tamper: { rollouts: number; resolved: number; rollout_ids: string[] };
  avg_turns: number;
  tokens: { prompt: number; completion: number; total: number };
  cost_usd: number;
  per_repo: RepoRow[];
  pass_at_k: PassAtKRow[];
  estimators: { unbiased: string; swegym: string };
}

/** `owner__name-123` -> `owner/name` (the SWE-bench harness rule) when the manifest has no repo map. */
export function repoOf(instanceId: string, repos?: Record<string, string>): string {
  if (repos?.[instanceId]) return repos[instanceId]!;
  const parts = instanceId.replace('__', '/').split('-');
  return parts.length > 1 ? parts.slice(0, -1).join('-') : instanceId;
}

/**
 * Builds the report from the decisive row of each (instance, sample) of the plan. `instanceIds` is the dataset
 * selection: it is the denominator, whether or not an instance ran.
 */
export function buildReport(
  rows: RolloutSummary[],
  instanceIds: string[],
  samples: number,
  opts: { repos?: Record<string, string>; trials?: number; seed?: number; /** Every attempt (killed, retried too): what was spent. */ allAttempts?: RolloutSummary[] } = {},
): SessionReport {
  const byInstance = new Map<string, Array<RolloutSummary | undefined>>();
  for (const id of instanceIds) byInstance.set(id, new Array(samples).fill(undefined));
  for (const r of rows) {
    const list = byInstance.get(r.instance_id);
    if (list && r.sample < samples) list[r.sample] = r;
  }
  const counts = { total: 0, completed: 0, infra_error: 0, interrupted: 0, no_image: 0, running: 0, queued: 0 };
  const stop: Record<string, number> = {};
  const verdicts: Record<string, number> = {};
  let turns = 0;
  let completed = 0;
  let empty = 0;
  let prompt = 0;
  let completion = 0;
  let cost = 0;
  let resolvedAll = 0;
  const tamper = { rollouts: 0, resolved: 0, rollout_ids: [] as string[] };
  for (const list of byInstance.values()) {
    for (const r of list) {
      counts.total++;
      if (!r) {
        counts.queued++;
        continue;
      }
      counts[r.status]++;
      prompt += r.prompt_tokens;
      completion += r.completion_tokens;
      cost += r.cost_usd;
      if (r.resolved) resolvedAll++;
      if (r.status === 'completed') {
        completed++;
        turns += r.turns;
        if (r.stop_reason) stop[r.stop_reason] = (stop[r.stop_reason] ?? 0) + 1;
        if (r.verdict) verdicts[r.verdict] = (verdicts[r.verdict] ?? 0) + 1;
        if (r.verdict === 'empty_patch' || r.patch_lines === 0) empty++;
        if (r.tamper) {
          tamper.rollouts++;
          if (r.resolved) tamper.resolved++;
          tamper.rollout_ids.push(r.rollout_id);
        }
      }
    }
  }
  if (opts.allAttempts) {
    // Spend is what every attempt cost, including interrupted and retried ones, not only the decisive attempts.
    prompt = opts.allAttempts.reduce((a, r) => a + r.prompt_tokens, 0);
    completion = opts.allAttempts.reduce((a, r) => a + r.completion_tokens, 0);
    cost = opts.allAttempts.reduce((a, r) => a + r.cost_usd, 0);
  }
  const outcomes0 = instanceIds.map((id) => byInstance.get(id)?.[0]?.resolved === true);
  const rr = resolveRateWithBootstrap(outcomes0, { seed: opts.seed ?? 42 });
  const runs: InstanceRuns[] = instanceIds.map((id) => ({
    instance_id: id,
    // A result = a completed rollout; infra failures and never-run samples have none.
    runs: byInstance.get(id)!.map((r) => (r && r.status === 'completed' ? r.resolved === true : undefined)),
  }));
  const repoRows = new Map<string, RepoRow>();
  for (const id of instanceIds) {
    const repo = repoOf(id, opts.repos);
    const row = repoRows.get(repo) ?? { repo, instances: 0, resolved: 0, resolve_rate: 0, rollouts: 0 };
    row.instances++;
    if (byInstance.get(id)![0]?.resolved) row.resolved++;
    row.rollouts += byInstance.get(id)!.filter((r) => r && r.status === 'completed').length;
    repoRows.set(repo, row);
  }
  for (const r of repoRows.values()) r.resolve_rate = r.instances ? (r.resolved * 100) / r.instances : 0;
  return {
    instances: instanceIds.length,
    samples,
    rollouts: counts,
    resolve_rate: { percent: rr.rate, bootstrap_std: rr.std, resolved: outcomes0.filter(Boolean).length, of: instanceIds.length },
    resolve_rate_all_samples: counts.total ? (resolvedAll * 100) / counts.total : 0,
    empty_patch_rate: completed ? (empty * 100) / completed : 0,
    stop_reasons: stop,
    verdicts,
    tamper,
    avg_turns: completed ? turns / completed : 0,
    tokens: { prompt, completion, total: prompt + completion },
    cost_usd: cost,
    per_repo: [...repoRows.values()].sort((a, b) => b.instances - a.instances || a.repo.localeCompare(b.repo)),
    pass_at_k: passAtKTable(runs, samples, { trials: opts.trials, seed: opts.seed }),
    estimators: {
      unbiased: 'Chen et al. 2021: 1 - C(n-c,k)/C(n,k) per instance, averaged over all instances',
      swegym: 'SWE-Gym: 100 trials, k=1 uses sample 0, k>=2 a prefix of a per-trial shuffle; mean ± std over trials',
    },
  };
}
