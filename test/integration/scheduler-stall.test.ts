/**
 * One rollout hangs (its model request never answers): it is flagged as stalled by its heartbeat while the others
 * finish on real Docker; killing it from the control API ends it and leaves no container.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startScriptedServer } from '../helpers/scripted-openai-server.js';
import { loadTasks } from '../../src/core/dataset/load.js';
import { openSession } from '../../src/core/session/store.js';
import { batchCommand } from '../../src/cli/commands/batch.js';
import type { Scheduler } from '../../src/core/scheduler/scheduler.js';
import type { SchedulerSnapshot } from '../../src/core/scheduler/types.js';
import { scriptedPolicy, ensureSampleImages } from './scheduler-scripted-model.js';

const IDS = ['swegym-samples__durations-12', 'swegym-samples__ledger-8', 'swegym-samples__ledger-15'];
const HANGS = 'swegym-samples__durations-12';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a hanging rollout is flagged stalled while the others finish; kill ends it; no container left', { timeout: 300_000 }, async () => {
  const { tasks } = await loadTasks('samples', { ids: IDS });
  await ensureSampleImages(tasks); // before any clock starts
  const server = await startScriptedServer(scriptedPolicy(tasks, 1, 5, () => 1, (p) => p.task.instance_id === HANGS));
  const base = mkdtempSync(join(tmpdir(), 'swegym-stall-'));
  const name = `stall-${Date.now().toString(36)}`;
  let sched: Scheduler | undefined;
  const lines: string[] = [];
  const snaps: SchedulerSnapshot[] = [];
  try {
    const run = batchCommand({
      dataset: 'samples', instances: IDS, agent: 'llm', model: 'm', baseUrl: `${server.url}/v1`, samples: 1, concurrency: 2, seed: 5,
      stallAfter: 2, session: name, sessionsDir: base,
      io: { out: (l) => lines.push(l), err: (l) => lines.push(l), signals: false, onScheduler: (s) => { sched = s; s.onSnapshot((x) => snaps.push(x)); } },
    });
    const hungId = `${HANGS}.s0.a0`;
    const deadline = Date.now() + 180_000;
    while (Date.now() < deadline) {
      await sleep(100);
      const s = sched?.snapshot();
      if (s && s.done === IDS.length - 1 && s.stalled.includes(hungId)) break;
    }
    const mid = sched!.snapshot();
    assert.equal(mid.done, IDS.length - 1, `the others finished while one hung:\n${lines.join('\n')}`);
    assert.deepEqual(mid.stalled, [hungId]);
    const row = mid.active.find((a) => a.rollout_id === hungId)!;
    assert.ok(row.heartbeat_age_ms >= 2000, `heartbeat age ${row.heartbeat_age_ms}`);
    assert.ok(row.container_id, 'the stalled rollout shows its container');
    assert.ok(lines.some((l) => l.includes('STALLED') && l.includes(hungId)), 'the plain progress line names the stalled rollout');
    assert.ok(snaps.some((x) => x.stalled.includes(hungId)), 'subscribers were told');
    sched!.kill(hungId);
    assert.equal(await run, 0);
    const rows = openSession(join(base, name)).summaries();
    assert.equal(rows.find((r) => r.instance_id === HANGS)!.status, 'interrupted');
    assert.deepEqual(rows.filter((r) => r.instance_id !== HANGS).map((r) => r.status), ['completed', 'completed']);
  } finally {
    const left = execFileSync('docker', ['ps', '-aq', '--filter', `label=io.swegym.session-name=${name}`], { encoding: 'utf8' }).split('\n').filter(Boolean);
    if (left.length) execFileSync('docker', ['rm', '-f', ...left]);
    await server.close();
    rmSync(base, { recursive: true, force: true });
    assert.equal(left.length, 0, 'no container left');
  }
});
