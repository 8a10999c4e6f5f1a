/**
 * The read-side commands on sessions written through the real writer: `swegym sessions`, `show`, `report`, `compare`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RolloutEmitter } from '../../src/core/events.js';
import { SessionWriter, rolloutId } from '../../src/core/session/index.js';
import { sessionsCommand } from '../../src/cli/commands/sessions.js';
import { showCommand } from '../../src/cli/commands/show.js';
import { reportCommand } from '../../src/cli/commands/report.js';
import { harnessStamp } from '../../src/core/harness/profiles.js';
import { compareCommand, compareSessions } from '../../src/cli/commands/compare.js';

const usage = { prompt_tokens: 100, completion_tokens: 10, estimated: false };

function write(w: SessionWriter, inst: string, sample: number, attempt: number, outcome: 'resolved' | 'unresolved' | 'killed' | 'infra'): void {
  const id = rolloutId(inst, sample, attempt);
  const log = w.openRollout(id);
  const em = new RolloutEmitter(id, (e) => log.append(e));
  em.emit({ type: 'rollout_started', instance_id: inst, sample, attempt, agent: { kind: 'llm', model: 'm', config: {} } });
  if (outcome === 'infra') {
    em.emit({ type: 'rollout_ended', status: 'infra_error', error: 'docker: no space left', duration_ms: 1 });
    return log.close();
  }
  em.emit({ type: 'model_response', turn: 0, content: 'look \x1b[31mred\x1b[0m', tool_calls: [], usage, cost_usd: 0.25, latency_ms: 1 });
  em.emit({ type: 'tool_start', step: 0, call_id: 'c', tool: 'execute_bash', args: { command: `echo ${inst}-${sample}-${attempt}` } });
  if (outcome === 'killed') return log.close();
  em.emit({ type: 'tool_end', step: 0, call_id: 'c', tool: 'execute_bash', observation: 'ok', exit_code: 0, is_error: false, timed_out: false, truncated: false, duration_ms: 1 });
  em.emit({ type: 'agent_stopped', reason: 'finished', message: '', turns: 1, usage, cost_usd: 0.25 });
  const resolved = outcome === 'resolved';
  em.emit({ type: 'verification_verdict', verdict: { instance_id: inst, profile: 'swegym', status: resolved ? 'resolved' : 'unresolved', resolved } });
  em.emit({ type: 'rollout_ended', status: 'completed', duration_ms: 1 });
  log.close();
}

function session(base: string, name: string, ids: string[]): SessionWriter {
  return SessionWriter.create(join(base, name), { name, swegym_version: '0', dataset: { ref: 'samples', instance_ids: ids, repos: { 'o__a-1': 'o/a', 'o__a-2': 'o/a', 'p__b-1': 'p/b' } }, images: {}, harness: [harnessStamp('swebench')], agent: { kind: 'llm', model: 'm' }, sampling: { samples: 2, temperatures: [0, 0.5], seed: 0 } });
}

test('sessions, show --instance --sample, report (denominator = the whole selection), compare', async () => {
  const base = mkdtempSync(join(tmpdir(), 'swegym-cli-'));
  try {
    const ids = ['o__a-1', 'o__a-2', 'p__b-1'];
    const a = session(base, 'run-a', ids);
    write(a, 'o__a-1', 0, 0, 'killed');
    write(a, 'o__a-1', 0, 1, 'resolved');
    write(a, 'o__a-1', 1, 0, 'unresolved');
    write(a, 'o__a-2', 0, 0, 'infra');
    a.close(); // p__b-1 never ran; o__a-2 sample 1 never ran
    const b = session(base, 'run-b', ids);
    write(b, 'o__a-1', 0, 0, 'resolved');
    write(b, 'o__a-1', 1, 0, 'unresolved');
    write(b, 'o__a-2', 0, 0, 'resolved');
    b.close();

    const lines: string[] = [];
    const out = (l: string) => lines.push(l);
    assert.equal(await sessionsCommand({ sessionsDir: base, out }), 0);
    const listing = lines.join('\n');
    assert.match(listing, /^SESSION +CREATED +AGENT +DATASET +DONE +RESOLVED +INFRA +COST/);
    assert.match(listing, /run-a .* llm:m +samples +3\/6 +1 +1 +\$0\.7500/, listing);
    assert.match(listing, /run-b .* llm:m +samples +3\/6 +2 +0 +\$0\.7500/, listing);

    lines.length = 0;
    assert.equal(await showCommand({ session: 'run-a', sessionsDir: base, instance: 'o__a-1', sample: 0, out }), 0);
    const shown = lines.join('\n');
    assert.match(shown, /o__a-1\.s0\.a0 started o__a-1 sample 0 attempt 0/);
    assert.match(shown, /o__a-1\.s0\.a0 \$ execute_bash echo o__a-1-0-0/);
    assert.match(shown, /o__a-1\.s0\.a1 VERDICT resolved/);
    assert.ok(shown.indexOf('.s0.a0 started') < shown.indexOf('.s0.a1 started'), 'attempts in order');
    assert.doesNotMatch(shown, /\x1b/, 'model text is sanitised');
    assert.doesNotMatch(shown, /sample 1/);
    lines.length = 0;
    assert.equal(await showCommand({ session: 'run-a', sessionsDir: base, instance: 'o__a-1', sample: 1, json: true, out }), 0);
    assert.deepEqual(lines.map((l) => JSON.parse(l).type), ['rollout_started', 'model_response', 'tool_start', 'tool_end', 'agent_stopped', 'verification_verdict', 'rollout_ended']);

    lines.length = 0;
    assert.equal(await reportCommand({ session: 'run-a', sessionsDir: base, json: true, out }), 0);
    const rep = JSON.parse(lines.join('\n'));
    assert.deepEqual(rep.resolve_rate.of, 3, 'every instance of the selection, run or not');
    assert.equal(rep.resolve_rate.resolved, 1);
    assert.ok(Math.abs(rep.resolve_rate.percent - 100 / 3) < 1e-9);
    assert.deepEqual(rep.rollouts, { total: 6, completed: 2, infra_error: 1, interrupted: 0, no_image: 0, running: 0, queued: 3 });
    assert.deepEqual(rep.per_repo.map((r: { repo: string; instances: number; resolved: number }) => [r.repo, r.instances, r.resolved]), [['o/a', 2, 1], ['p/b', 1, 0]]);
    assert.equal(rep.pass_at_k.length, 2);
    assert.ok(Math.abs(rep.pass_at_k[1].unbiased - 100 / 3) < 1e-9);
    assert.equal(rep.cost_usd, 0.75, 'spend includes the killed attempt');
    assert.equal(rep.tokens.total, 330);
    assert.deepEqual(rep.harness, [{ profile: 'swebench', official: 'SWE-bench 5.0.2 (main 7a21e05)' }]);
    lines.length = 0;
    assert.equal(await reportCommand({ session: 'run-a', sessionsDir: base, out }), 0);
    assert.match(lines.join('\n'), /^Harness: swebench = SWE-bench 5\.0\.2 \(main 7a21e05\)$/m);
    assert.match(lines.join('\n'), /Resolve rate \(sample 0, all 3 instances\): 33\.3% ± [0-9.]+ /);
    assert.match(lines.join('\n'), /pass@k unbiased \(Chen et al\.\) +pass@k SWE-Gym \(100 trials\)/);

    const cmp = compareSessions(join(base, 'run-a'), join(base, 'run-b'));
    assert.deepEqual(cmp.rows.map((r) => [r.instance_id, r.cells[0].join(','), r.cells[1].join(','), r.differs]), [
      ['o__a-2', 'infra_error,-', 'resolved,-', true],
      ['o__a-1', 'resolved,unresolved', 'resolved,unresolved', false],
      ['p__b-1', '-,-', '-,-', false],
    ]);
    lines.length = 0;
    assert.equal(await compareCommand({ a: 'run-a', b: 'run-b', sessionsDir: base, out }), 0);
    assert.match(lines.join('\n'), /\* +o__a-2 +X- \(0\) +R- \(1\)/);
    assert.match(lines.join('\n'), /1 of 3 instance\(s\) differ/);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
