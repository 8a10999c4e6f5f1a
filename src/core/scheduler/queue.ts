import type { TaskRecord } from '../dataset/schema.js';

/** One (instance, sample) pair to run; `attempt` grows with every fresh environment it gets. */
export interface WorkItem {
  task: TaskRecord;
  instance_id: string;
  sample: number;
  temperature?: number;
  seed: number;
  attempt: number;
  /** Infrastructure failures of this pair in this run (retry budget). */
  infra_failures: number;
  /** Not before this time (ms since epoch): backoff after an infrastructure failure. */
  not_before: number;
}

/** SWE-Gym's schedule: sample 0 at the first temperature, every later sample at the second. */
export function temperatureFor(sample: number, temperatures: number[]): number | undefined {
  if (temperatures.length === 0) return undefined;
  return sample === 0 ? temperatures[0] : (temperatures[1] ?? temperatures[0]);
}

/** Seeds are a pure function of (base seed, instance, sample): a resumed or repeated run samples the same. */
export function seedFor(baseSeed: number, instanceId: string, sample: number): number {
  let h = (baseSeed ^ 0x9e3779b9) >>> 0;
  for (const ch of `${instanceId}#${sample}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return h & 0x7fffffff;
}

/** Every (instance, sample) pair, instance-major so one instance's image is reused by consecutive rollouts. */
export function planWork(tasks: TaskRecord[], samples: number, temperatures: number[], baseSeed: number): WorkItem[] {
  const out: WorkItem[] = [];
  for (const task of tasks) {
    for (let sample = 0; sample < samples; sample++) {
      out.push({ task, instance_id: task.instance_id, sample, temperature: temperatureFor(sample, temperatures), seed: seedFor(baseSeed, task.instance_id, sample), attempt: 0, infra_failures: 0, not_before: 0 });
    }
  }
  return out;
}

/** Exponential backoff with full jitter, capped. */
export function backoffMs(failures: number, baseMs: number, maxMs: number, rand = Math.random): number {
  const cap = Math.min(maxMs, baseMs * 2 ** Math.max(0, failures - 1));
  return Math.round(cap / 2 + (rand() * cap) / 2);
}
