import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RolloutEmitter, type RolloutEvent } from '../../src/core/events.js';
import { SessionWriter, openSession, rolloutId } from '../../src/core/session/index.js';
import { RolloutRegistry } from '../../src/tui/state/rollout-store.js';

// One fold from events to summary: the workbench's live row of a rollout and the session index's row of the same
// events are the same row. The patch has an added line whose content is `--` and a removed `++` line: both are
// changed lines (only the `---` / `+++` file headers are not); the workbench used to drop them.

const PATCH = [
  'diff --git a/notes.txt b/notes.txt',
  '--- a/notes.txt',
  '+++ b/notes.txt',
  '@@ -1,3 +1,3 @@',
  ' title',
  '-++',
  '+--',
  '+more',
  '',
].join('\n');

test('the live row and the index row of a rollout are folded alike (patch_lines counts an added "--" line)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'swegym-fold-'));
  try {
    const w = SessionWriter.create(join(dir, 's'), { name: 's', swegym_version: '0', dataset: { ref: 'samples', instance_ids: ['o__r-1'] }, images: {}, agent: { kind: 'gold' }, sampling: { samples: 1, temperatures: [0], seed: 0 } });
    const id = rolloutId('o__r-1', 0, 0);
    const log = w.openRollout(id);
    const registry = new RolloutRegistry(0);
    const em = new RolloutEmitter(id, (e: RolloutEvent) => {
      log.append(e);
      registry.push(e);
    });
    em.emit({ type: 'rollout_started', instance_id: 'o__r-1', sample: 0, attempt: 0, agent: { kind: 'gold', config: {} } });
    em.emit({ type: 'env_ready', image: 'img', container_id: 'c1', duration_ms: 5, repo_dir: '/testbed' });
    em.emit({ type: 'model_response', turn: 0, content: 'x', tool_calls: [], usage: { prompt_tokens: 10, completion_tokens: 2, estimated: false }, cost_usd: 0.5, latency_ms: 1 });
    em.emit({ type: 'patch_updated', patch: PATCH, files: ['notes.txt'] });
    em.emit({ type: 'agent_stopped', reason: 'finished', message: 'done', turns: 1, usage: { prompt_tokens: 10, completion_tokens: 2, estimated: false }, cost_usd: 0.5 });
    em.emit({ type: 'rollout_ended', status: 'completed', duration_ms: 9 });
    w.close();

    const live = registry.store(id).summary();
    assert.equal(live.patch_lines, 3);
    const indexed = openSession(join(dir, 's')).summaries().find((s) => s.rollout_id === id);
    assert.ok(indexed);
    for (const k of ['instance_id', 'sample', 'status', 'stop_reason', 'turns', 'prompt_tokens', 'completion_tokens', 'cost_usd', 'patch_lines', 'started_at', 'ended_at'] as const) {
      assert.deepEqual(live[k], indexed[k], k);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
