/**
 * Sessions with known oracle verdicts for verifier, selection and export tests, written through the real session
 * writer: per rollout a model request and reply (text tool format), a patch, agent_stopped, a verdict, rollout_ended.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RolloutEvent, type ChatMessage, type EventBody } from '../../src/core/events.js';
import { SessionWriter } from '../../src/core/session/writer.js';
import { rolloutId } from '../../src/core/session/ids.js';

export interface FixtureRollout {
  instance: string;
  sample: number;
  resolved?: boolean;
  patch?: string;
  messages?: ChatMessage[];
  /** Native tool-call trajectory instead of the default text one. */
  native?: boolean;
}

export function textTrajectory(instance: string, sample: number, resolved: boolean | undefined): ChatMessage[] {
  return [
    { role: 'system', content: 'You are a careful engineer.' },
    { role: 'user', content: `Fix issue ${instance}.` },
    { role: 'assistant', content: `Looking (sample ${sample}).\n\n<function=execute_bash>\n<parameter=command>ls</parameter>\n</function>` },
    { role: 'user', content: 'EXECUTION RESULT of [execute_bash]:\nsrc tests\n[Command finished with exit code 0]' },
    { role: 'assistant', content: `Done${resolved ? '' : ' (maybe)'}.\n\n<function=finish>\n</function>` },
  ];
}

export function nativeTrajectory(instance: string): ChatMessage[] {
  return [
    { role: 'system', content: 'You are a careful engineer.' },
    { role: 'user', content: `Fix issue ${instance}.` },
    {
      role: 'assistant',
      content: 'Two looks at once.',
      tool_calls: [
        { id: 'c1', type: 'function', function: { name: 'execute_bash', arguments: '{"command":"ls"}' } },
        { id: 'c2', type: 'function', function: { name: 'execute_bash', arguments: '{"command":"pwd"}' } },
      ],
    },
    { role: 'tool', tool_call_id: 'c1', name: 'execute_bash', content: 'src tests' },
    { role: 'tool', tool_call_id: 'c2', name: 'execute_bash', content: '/testbed' },
    { role: 'assistant', content: null, tool_calls: [{ id: 'c3', type: 'function', function: { name: 'finish', arguments: '{}' } }] },
  ];
}

export function writeFixtureSession(rollouts: FixtureRollout[], opts: { dir?: string; instanceIds?: string[]; datasetRef?: string } = {}): string {
  const dir = opts.dir ?? join(mkdtempSync(join(tmpdir(), 'swegym-vsess-')), 'session');
  const ids = opts.instanceIds ?? [...new Set(rollouts.map((r) => r.instance))];
  const samples = Math.max(1, ...rollouts.map((r) => r.sample + 1));
  const w = SessionWriter.create(dir, {
    name: 'fixture',
    swegym_version: 'test',
    dataset: { ref: opts.datasetRef ?? 'imported:fixture', instance_ids: ids },
    images: {},
    agent: { kind: 'llm', model: 'fixture-model' },
    sampling: { samples, temperatures: [0, 0.5], seed: 1 },
  });
  let ts = 1_700_000_000_000;
  for (const r of rollouts) {
    const id = rolloutId(r.instance, r.sample, 0);
    const log = w.openRollout(id);
    const msgs = r.messages ?? (r.native ? nativeTrajectory(r.instance) : textTrajectory(r.instance, r.sample, r.resolved));
    const bodies: EventBody[] = [{ type: 'rollout_started', instance_id: r.instance, sample: r.sample, attempt: 0, agent: { kind: 'llm', model: 'fixture-model', config: {} } }];
    let from = 0;
    let turn = 0;
    msgs.forEach((m, i) => {
      if (m.role !== 'assistant') return;
      bodies.push({ type: 'model_request', turn, new_messages: msgs.slice(from, i), total_messages: i });
      bodies.push({
        type: 'model_response',
        turn,
        content: m.content,
        tool_calls: (m.tool_calls ?? []).map((t) => ({ id: t.id, name: t.function.name, arguments: t.function.arguments })),
        usage: { prompt_tokens: 10, completion_tokens: 5, estimated: false },
        cost_usd: 0,
        latency_ms: 1,
      });
      from = i;
      turn++;
    });
    const patch = r.patch ?? `diff --git a/src/m.py b/src/m.py\n--- a/src/m.py\n+++ b/src/m.py\n@@ -1 +1 @@\n-x = ${r.sample}\n+x = ${r.sample + 1}\n`;
    bodies.push({ type: 'patch_updated', patch, files: ['src/m.py'] });
    bodies.push({ type: 'agent_stopped', reason: 'finished', message: '', turns: turn, usage: { prompt_tokens: 10, completion_tokens: 5, estimated: false }, cost_usd: 0 });
    if (r.resolved !== undefined) {
      bodies.push({ type: 'verification_verdict', verdict: { instance_id: r.instance, profile: 'swegym', status: r.resolved ? 'resolved' : 'unresolved', resolved: r.resolved } });
    }
    bodies.push({ type: 'rollout_ended', status: 'completed', duration_ms: 5 });
    bodies.forEach((b, seq) => log.append(RolloutEvent.parse({ v: 1, ts: ts++, rollout: id, seq, ...b })));
    log.close();
  }
  w.close();
  return dir;
}
