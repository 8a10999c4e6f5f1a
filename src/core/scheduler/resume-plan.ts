import type { TaskRecord } from '../dataset/schema.js';
import type { FileSessionReader } from '../session/store.js';
import { isFinished } from '../session/summary-fold.js';
import { seedFor, temperatureFor, type WorkItem } from './queue.js';

export interface ResumePlan {
  items: WorkItem[];
  finished: number;
  /** Pairs whose last attempt was interrupted or never ended: they start over. */
  restarted: number;
  /** Pairs whose last attempt was an infrastructure failure / had no image (re-run only with retryFailed). */
  failed_kept: number;
  failed_retried: number;
  previous: { total: number; done: number; resolved: number; cost_usd: number; tokens: number; infra_failures: number; retries: number };
}

/**
 * What a resumed session runs: finished pairs (a final verdict or rollout_ended completed) never run again;
 * interrupted or unfinished ones get a fresh attempt; failures only on request. Tallies of earlier attempts are kept.
 */
export function planResume(reader: FileSessionReader, tasks: TaskRecord[], opts: { retryFailed?: boolean } = {}): ResumePlan {
  const m = reader.manifest();
  const byId = new Map(tasks.map((t) => [t.instance_id, t]));
  const attempts = reader.attempts();
  const plan: ResumePlan = {
    items: [],
    finished: 0,
    restarted: 0,
    failed_kept: 0,
    failed_retried: 0,
    previous: {
      total: 0,
      done: 0,
      resolved: 0,
      cost_usd: attempts.reduce((a, s) => a + s.cost_usd, 0),
      tokens: attempts.reduce((a, s) => a + s.prompt_tokens + s.completion_tokens, 0),
      infra_failures: attempts.filter((s) => s.status === 'infra_error').length,
      retries: 0,
    },
  };
  for (const id of m.dataset.instance_ids) {
    const task = byId.get(id);
    for (let sample = 0; sample < m.sampling.samples; sample++) {
      const list = reader.attemptsOf(id, sample);
      plan.previous.retries += Math.max(0, list.length - 1);
      const fin = list.filter(isFinished);
      if (fin.length) {
        plan.finished++;
        plan.previous.done++;
        if (fin[fin.length - 1]!.resolved) plan.previous.resolved++;
        continue;
      }
      const last = list[list.length - 1];
      // Refused by the model endpoint (bad key or model name): the batch stopped there, nothing was tried; it runs
      // again like an interrupted pair once the configuration is fixed.
      const failed = last && (last.status === 'infra_error' || last.status === 'no_image') && last.stop_reason !== 'endpoint_rejected';
      if (failed && !opts.retryFailed) {
        plan.failed_kept++;
        plan.previous.done++;
        continue;
      }
      if (!task) throw new Error(`instance ${id} of the session is not in dataset '${m.dataset.ref}' any more`);
      if (failed) plan.failed_retried++;
      else if (last) plan.restarted++;
      const attempt = list.length ? Math.max(...list.map((s) => s.attempt)) + 1 : 0;
      plan.items.push({ task, instance_id: id, sample, temperature: temperatureFor(sample, m.sampling.temperatures), seed: seedFor(m.sampling.seed, id, sample), attempt, infra_failures: 0, not_before: 0 });
    }
  }
  plan.previous.total = plan.previous.done;
  return plan;
}

/**
 * Retrying one ended rollout (the workbench's `r`): a fresh attempt of its (instance, sample), after the pair's
 * latest, with the sample's temperature and seed, so it replaces the old attempt in the session's tables as a
 * resumed pair's would. A rollout still running is retried by its scheduler instead (kill and run again).
 */
export function planRetry(reader: FileSessionReader, tasks: TaskRecord[], rolloutId: string): WorkItem {
  const m = reader.manifest();
  const row = reader.attempts().find((s) => s.rollout_id === rolloutId);
  if (!row) throw new Error(`no rollout ${rolloutId} in ${reader.dir}`);
  if (row.status === 'running' || row.status === 'queued') throw new Error(`${rolloutId} has not ended: it is ${row.status}`);
  const task = tasks.find((t) => t.instance_id === row.instance_id);
  if (!task) throw new Error(`instance ${row.instance_id} of the session is not in dataset '${m.dataset.ref}' any more`);
  const attempt = Math.max(...reader.attemptsOf(row.instance_id, row.sample).map((s) => s.attempt)) + 1;
  const { instance_id, sample } = row;
  return { task, instance_id, sample, temperature: temperatureFor(sample, m.sampling.temperatures), seed: seedFor(m.sampling.seed, instance_id, sample), attempt, infra_failures: 0, not_before: 0 };
}
