/**
 * Summaries come from the session index alone (issue 13, fault 11): Home's listing, the picker's data path and
 * `swegym report` open no event log; a log is read only for the rollout being viewed. And the index the store keeps,
 * the index rebuilt from the logs, and the fold over each log's events give the same summaries.
 *
 * Log access is counted by a spy on node:fs (the store's own imports see it through syncBuiltinESMExports), so the
 * real store runs unchanged. Not timed: speed is bench/tui-scale.ts's job.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs, { mkdtempSync, readdirSync, rmSync, unlinkSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { generateScaleSession } from '../../bench/scale-session.js';
import { SessionWriter, openSession, foldEvents, readRolloutEvents, INDEX_FILE, ROLLOUTS_DIR, type IndexedSummary } from '../../src/core/session/index.js';
import { followSummaries } from '../../src/tui/state/follow-summaries.js';
import { SessionLister } from '../../src/tui/session-lister.js';
import { byInstance } from '../../src/tui/state/compare.js';
import { reportCommand } from '../../src/cli/commands/report.js';

const root = mkdtempSync(join(tmpdir(), 'swegym-index-only-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** 12 instances x 4 samples through the real session writer: resolved, unresolved, empty, infra errors, killed. */
function session(name: string): string {
  const dir = join(root, name, 'scale');
  fs.mkdirSync(join(root, name), { recursive: true });
  generateScaleSession(dir, { instances: 12, samples: 4, seed: 3, viaStore: true });
  return dir;
}

/** Counts what touches files under `<dir>/rollouts/`: opens and whole-file reads, and stats. */
function spyOnLogs(dir: string): { opens: string[]; stats: string[]; restore(): void } {
  const logs = join(dir, ROLLOUTS_DIR) + sep;
  const opens: string[] = [];
  const stats: string[] = [];
  const orig = { openSync: fs.openSync, readFileSync: fs.readFileSync, statSync: fs.statSync, createReadStream: fs.createReadStream };
  const hit = (p: unknown) => typeof p === 'string' && p.startsWith(logs) && p !== logs.slice(0, -1);
  const f = fs as unknown as Record<string, unknown>;
  f.openSync = (p: unknown, ...a: unknown[]) => (hit(p) && opens.push(p as string), (orig.openSync as (...x: unknown[]) => unknown)(p, ...a));
  f.readFileSync = (p: unknown, ...a: unknown[]) => (hit(p) && opens.push(p as string), (orig.readFileSync as (...x: unknown[]) => unknown)(p, ...a));
  f.createReadStream = (p: unknown, ...a: unknown[]) => (hit(p) && opens.push(p as string), (orig.createReadStream as (...x: unknown[]) => unknown)(p, ...a));
  f.statSync = (p: unknown, ...a: unknown[]) => (hit(p) && stats.push(p as string), (orig.statSync as (...x: unknown[]) => unknown)(p, ...a));
  syncBuiltinESMExports();
  return {
    opens,
    stats,
    restore() {
      Object.assign(f, orig);
      syncBuiltinESMExports();
    },
  };
}

const byId = (xs: IndexedSummary[]) => [...xs].sort((a, b) => a.rollout_id.localeCompare(b.rollout_id));

test('Home, the picker and report read no event log; viewing a rollout reads its log', async () => {
  const dir = session('no-logs');
  const attempts = openSession(dir).attempts();
  const unfinished = attempts.filter((s) => s.status === 'running').length;
  assert.ok(unfinished > 0 && unfinished < attempts.length, 'the session has killed rollouts and finished ones');

  const spy = spyOnLogs(dir);
  try {
    // Home
    const listed = new SessionLister(join(dir, '..')).list();
    assert.equal(listed.length, 1);
    assert.equal(listed[0]!.rollouts, 48);
    assert.equal(spy.opens.length, 0, `Home opened event logs: ${spy.opens.slice(0, 3).join(', ')}`);
    assert.equal(spy.stats.length, 0, `Home stat-ed event logs: ${spy.stats.slice(0, 3).join(', ')}`);
    const running = new Set(attempts.filter((s) => s.status === 'running').map((s) => `${s.rollout_id}.jsonl`));
    /** Only logs of rollouts that have not ended may be stat'ed (they may still grow). */
    const onlyUnfinished = (what: string) => {
      for (const p of spy.stats) assert.ok(running.has(p.slice(p.lastIndexOf(sep) + 1)), `${what} stat-ed the log of a finished rollout: ${p}`);
      spy.stats.length = 0;
    };

    // The picker: open the session, its summaries, follow it (two polls), group by instance.
    const reader = openSession(dir);
    const rows = reader.summaries().filter((r) => r.status !== 'queued');
    let polled = 0;
    const off = followSummaries(reader, { onEvent: () => {}, onSummaries: () => {}, onError: (m) => assert.fail(m) });
    const deadline = Date.now() + 10_000;
    // The follow polls every 250 ms: wait until it has stat-ed the unfinished logs twice (it has polled twice).
    while (polled < 2 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      polled = Math.floor(spy.stats.length / Math.max(1, unfinished)) - 1;
    }
    off();
    assert.ok(polled >= 2, 'the follow polled');
    assert.equal(byInstance(rows).size, 12);
    assert.equal(spy.opens.length, 0, `the picker opened event logs: ${spy.opens.slice(0, 3).join(', ')}`);
    onlyUnfinished('the picker');

    // report
    const out: string[] = [];
    assert.equal(await reportCommand({ session: dir, out: (l) => out.push(l) }), 0);
    assert.match(out.join('\n'), /12 instance\(s\) x 4 sample\(s\)/);
    assert.equal(spy.opens.length, 0, `report opened event logs: ${spy.opens.slice(0, 3).join(', ')}`);
    onlyUnfinished('report');

    // Viewing one rollout reads that log, and only it (the spy sees the store's reads).
    const one = rows.find((r) => r.status === 'completed')!;
    const events = await reader.events(one.rollout_id);
    assert.ok(events.length > 5);
    assert.deepEqual(spy.opens, [join(dir, ROLLOUTS_DIR, `${one.rollout_id}.jsonl`)]);
  } finally {
    spy.restore();
  }
});

test('the kept index, the index rebuilt from the logs and the fold over each log give the same summaries', () => {
  const dir = session('rebuild');
  // A verifier's score appended to finished rollouts later (as `swegym score` does): the index must carry it.
  const scored = openSession(dir).attempts().filter((s) => s.status === 'completed').slice(0, 5);
  const w = SessionWriter.open(dir);
  for (const [i, s] of scored.entries()) {
    const log = w.openRollout(s.rollout_id);
    log.append({ v: 1, ts: Date.now(), rollout: s.rollout_id, type: 'verifier_score', verifier: 'llm', score: i / 5, explanation: '', flags: [] });
    log.close();
  }
  w.close();

  const kept = openSession(dir);
  assert.equal(kept.stats.caught_up, 0, 'the index was current: no log was read');
  for (const [i, s] of scored.entries()) assert.equal(kept.attempts().find((a) => a.rollout_id === s.rollout_id)!.scores.llm, i / 5);

  const folded = readdirSync(join(dir, ROLLOUTS_DIR))
    .filter((f) => f.endsWith('.jsonl'))
    .map((f) => {
      const id = f.replace(/\.jsonl$/, '');
      const { events, errors } = readRolloutEvents(dir, id);
      assert.deepEqual(errors, []);
      return foldEvents(id, events);
    });
  unlinkSync(join(dir, INDEX_FILE));
  const rebuilt = openSession(dir);
  assert.equal(rebuilt.stats.caught_up, 48);

  const plain = (xs: IndexedSummary[]) => JSON.parse(JSON.stringify(byId(xs)));
  assert.deepEqual(plain(kept.attempts()), plain(folded));
  assert.deepEqual(plain(rebuilt.attempts()), plain(folded));
  assert.deepEqual(plain(rebuilt.summaries() as IndexedSummary[]), plain(kept.summaries() as IndexedSummary[]));
  // The summary fields the workbench shows without the log.
  const graded = folded.find((s) => s.verdict === 'unresolved' && s.f2p)!;
  assert.ok(graded.f2p!.failed > 0 && graded.failing_test && graded.steps! > 0);
});
