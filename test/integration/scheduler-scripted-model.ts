/**
 * A scripted "model" for scheduler tests, served by the shared scripted OpenAI-compatible server. It recognises the
 * (instance, sample) of every request by the seed the scheduler assigns (seedFor), so outcomes are a pure function of
 * the pair: even samples apply the gold patch (resolved), odd samples change nothing (empty patch). Turn 0 runs
 * `sleep N` so a test can catch a rollout in the middle of a tool call.
 */
import type { TaskRecord } from '../../src/core/dataset/schema.js';
import { seedFor } from '../../src/core/scheduler/queue.js';
import { ensureInstanceImage } from '../../src/core/runtime/images.js';
import { loadSpecRegistry } from '../../src/core/runtime/spec-registry.js';
import { sampleRepoSource } from '../../src/core/dataset/samples.js';
import type { RecordedRequest, Step } from '../helpers/scripted-openai-server.js';

export interface Pair {
  task: TaskRecord;
  sample: number;
}

export function expectedResolved(sample: number): boolean {
  return sample % 2 === 0;
}

export function scriptedPolicy(tasks: TaskRecord[], samples: number, baseSeed: number, sleepFor: (p: Pair) => number, hang?: (p: Pair) => boolean) {
  const bySeed = new Map<number, Pair>();
  for (const task of tasks) for (let sample = 0; sample < samples; sample++) bySeed.set(seedFor(baseSeed, task.instance_id, sample), { task, sample });
  let n = 0;
  const call = (name: string, args: Record<string, unknown>): Step => ({
    content: null,
    tool_calls: [{ id: `call_${n++}`, name, arguments: args }],
    finish_reason: 'tool_calls',
    usage: { prompt_tokens: 100, completion_tokens: 10 },
  });
  return (req: RecordedRequest): Step => {
    const who = bySeed.get(req.body?.seed);
    if (!who) return { status: 400, body: { error: { message: `unknown seed ${req.body?.seed}` } } };
    if (hang?.(who)) return { hang: true };
    const turn = turnOf(req);
    if (turn === 0) return call('execute_bash', { command: `sleep ${sleepFor(who)}` });
    if (turn === 1 && expectedResolved(who.sample)) {
      const b64 = Buffer.from(who.task.patch).toString('base64');
      return call('execute_bash', { command: `echo ${b64} | base64 -d > /tmp/fix.diff && cd /testbed && git apply /tmp/fix.diff && rm /tmp/fix.diff` });
    }
    return call('finish', {});
  };
}

export function pairOfSeed(tasks: TaskRecord[], samples: number, baseSeed: number, seed: number): Pair | undefined {
  for (const task of tasks) for (let sample = 0; sample < samples; sample++) if (seedFor(baseSeed, task.instance_id, sample) === seed) return { task, sample };
  return undefined;
}

/**
 * Builds (or finds) the sample images before a test starts its clock: on a fresh machine, or after someone removed
 * them, preparing an image takes minutes, and that must not count against a test's "the batch reached state X" wait.
 */
export async function ensureSampleImages(tasks: TaskRecord[]): Promise<void> {
  const specs = loadSpecRegistry([]);
  for (const t of tasks) await ensureInstanceImage(t, specs.lookup(t.repo, String(t.version)), { repoSource: sampleRepoSource(t.repo), pull: false });
}

export function turnOf(req: RecordedRequest): number {
  return ((req.body?.messages ?? []) as Array<{ role: string }>).filter((m) => m.role === 'assistant').length;
}

/** A promise with its resolve exposed. */
export function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
