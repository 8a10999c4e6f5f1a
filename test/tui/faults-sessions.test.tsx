import { helpers } from './imports.js';
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import React from 'react';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { render, cleanup } from 'ink-testing-library';
import type { SchedulerSnapshot } from '../../src/core/scheduler/types.js';
import type { RolloutSummary } from '../../src/core/session/types.js';
import { LIVE_FILE, type LiveStatus } from '../../src/core/scheduler/remote-control.js';
import { SessionWriter } from '../../src/core/session/writer.js';
import { rolloutId } from '../../src/core/session/ids.js';
import { App } from '../../src/tui/app.js';
import { BatchDashboard } from '../../src/tui/screens/batch.js';
import { CoreBackend } from '../../src/tui/core-backend.js';
import type { LiveRollout } from '../../src/tui/backend.js';
import type { RolloutEvent } from '../../src/core/events.js';
import { loadTheme } from '../../src/tui/theme.js';
import { defaultBindings } from '../../src/tui/keys.js';
import { foldEvents } from '../../src/core/session/summary-fold.js';
import { RecordingControl, ScriptedBackend, snapshot } from './scripted-backend.js';
import { scriptedBodies, scriptedRollout, stamp } from './scripted-rollout.js';

/** Issue 13, faults 5 (Home live and honest), 6 (dashboard tables) and 8 (safe steering). */

const { renderWith, press, waitFrame, rows, KEYS, stripAnsi } = helpers;
afterEach(() => cleanup());

const SIZES = [
  { columns: 80, rows: 24 },
  { columns: 60, rows: 20 },
];
const theme = loadTheme({ name: 'dark' });

function liveStatus(over: Partial<LiveStatus>, snap: Partial<SchedulerSnapshot> = {}): LiveStatus {
  return { format: 1, pid: process.pid, host: hostname(), started_at: new Date().toISOString(), updated_at: Date.now(), control: true, ended: false, snapshot: snapshot({ active: [], stalled: [], ...snap }), ...over };
}

/** A session folder on disk: `done` of its instances finished (resolved), the rest never ran; live.json as given. */
function sessionOnDisk(base: string, name: string, ids: string[], done: number, live?: LiveStatus): string {
  const dir = join(base, name);
  const w = SessionWriter.create(dir, { name, swegym_version: 'test', dataset: { ref: 'samples', instance_ids: ids }, images: {}, agent: { kind: 'gold' }, sampling: { samples: 1, temperatures: [0], seed: 0 } });
  for (const id of ids.slice(0, done)) {
    const rid = rolloutId(id, 0, 0);
    const log = w.openRollout(rid);
    for (const e of stamp(rid, scriptedBodies({ steps: 1 }).map((b) => (b.type === 'rollout_started' ? { ...b, instance_id: id } : b.type === 'verification_verdict' ? { ...b, verdict: { ...b.verdict, instance_id: id } } : b)))) log.append(e);
    log.close();
  }
  w.close();
  if (live) writeFileSync(join(dir, LIVE_FILE), JSON.stringify(live));
  return dir;
}

/** The retry the dashboard asks the backend for, answered with a scripted live attempt (the real one needs Docker). */
class RetryRecorder extends CoreBackend {
  retried: Array<[string, string]> = [];
  override async retryRollout(sessionDir: string, id: string, onEvent: (e: RolloutEvent) => void): Promise<LiveRollout> {
    this.retried.push([sessionDir, id]);
    const next = rolloutId('acme__b-2', 0, 1);
    const events = stamp(next, scriptedBodies({ steps: 2 }).map((b) => (b.type === 'rollout_started' ? { ...b, instance_id: 'acme__b-2', attempt: 1 } : b)), Date.now());
    const done = (async () => {
      for (const e of events) {
        await new Promise((r) => setTimeout(r, 5));
        onEvent(e);
      }
    })();
    return { rolloutId: next, sessionDir, interrupt: () => {}, done };
  }
}

class ResumeRecorder extends CoreBackend {
  resumed: string[] = [];
  override resume(dir: string) {
    this.resumed.push(dir);
    return { pid: 1, log: join(dir, 'resume.log') };
  }
}

for (const size of SIZES) {
  test(`fault 5: Home is live: a session another process creates appears by itself (${size.columns}x${size.rows})`, async () => {
    const backend = new ScriptedBackend();
    const r = render(<App backend={backend} theme={theme} bindings={defaultBindings()} size={size} sessionsPollMs={150} />);
    await waitFrame(r, (p) => p.includes('New run'));
    const s = backend.session('sessions/bon4');
    for (const e of scriptedRollout('x-1')) s.append(e);
    const f = await waitFrame(r, (p) => p.includes('sessions/bon4'));
    assert.equal(rows(f).length, size.rows);
  });

  test(`fault 5: honest states: crashed and stopped batches say so and R resumes; a finished batch opens on its dashboard (${size.columns}x${size.rows})`, async () => {
    const base = mkdtempSync(join(tmpdir(), 'swegym-home-states-'));
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    try {
      sessionOnDisk(base, 'crash1', ['acme__a-1', 'acme__b-2'], 1, liveStatus({ pid: dead }));
      sessionOnDisk(base, 'stopped1', ['acme__a-1', 'acme__b-2'], 1, liveStatus({ ended: true }, { state: 'stopped' }));
      sessionOnDisk(base, 'goldrun', ['acme__a-1', 'acme__b-2'], 2, liveStatus({ ended: true }, { state: 'done', done: 2, total: 2 }));
      const backend = new ResumeRecorder({ dataset: 'samples', sessionsDir: base, env: {} });
      const r = render(<App backend={backend} theme={theme} bindings={defaultBindings()} size={size} sessionsPollMs={0} />);
      const f = stripAnsi(await waitFrame(r, (p) => p.includes('crash1') && p.includes('goldrun')));
      assert.match(f, /crash1 +crashed +1\/2/);
      assert.match(f, /stopped1 +stopped +1\/2/);
      assert.match(f, /goldrun +done +2\/2/);
      assert.ok(!f.includes('partial'));
      // Move to crash1 and resume it.
      const order = rows(f).filter((l) => /crash1|stopped1|goldrun/.test(l)).map((l) => (/crash1/.test(l) ? 'crash1' : /stopped1/.test(l) ? 'stopped1' : 'goldrun'));
      await press(r, KEYS.down, KEYS.down, ...Array(order.indexOf('crash1')).fill(KEYS.down));
      await waitFrame(r, (p) => p.includes('R resumes it'));
      await press(r, 'R');
      await helpers.until(() => backend.resumed.length === 1, 'resume');
      assert.match(backend.resumed[0]!, /crash1$/);
      // The finished batch opens on its dashboard with its finished table.
      await press(r, 'g', KEYS.down, KEYS.down, ...Array(order.indexOf('goldrun')).fill(KEYS.down), KEYS.enter);
      const d = await waitFrame(r, (p) => p.includes('batch goldrun'));
      assert.match(stripAnsi(d), /DONE {2}2\/2 done/);
      await press(r, KEYS.tab);
      await waitFrame(r, (p) => p.includes('[finished 2') && p.includes('acme__a-1#0'));
    } finally {
      cleanup();
      rmSync(base, { recursive: true, force: true });
    }
  });

  test(`fault 6: dashboard tables: headers, "1-n of m", natural and reverse sort kept per session, verdict filter, ∞, ids apart (${size.columns}x${size.rows})`, async () => {
    const ids = ['ledger-8', 'ledger-15', 'ledger-21', 'durations-12', 'durations-19'].map((n) => `swegym-samples__${n}`);
    const sum = (id: string, i: number): RolloutSummary => ({ ...foldEvents(`r${i}`, scriptedRollout(`r${i}`)), rollout_id: `r${i}`, instance_id: id, sample: 0, resolved: i % 2 === 0, verdict: i % 2 === 0 ? 'resolved' : 'unresolved' });
    const finished = ids.map(sum);
    const control = new RecordingControl(snapshot({ state: 'running', active: [], stalled: [], endpoints: [{ url: 'http://127.0.0.1:36925/v1', in_flight: 1, max: Number.MAX_SAFE_INTEGER }] }));
    const el = () => <BatchDashboard control={control} finished={finished} sessionName={`bon4-sort-${size.columns}`} width={size.columns} height={size.rows - 1} onOpen={() => {}} onBack={() => {}} />;
    const r = renderWith(el());
    let f = stripAnsi(await waitFrame(r, (p) => p.includes('endpoints')));
    assert.match(f, /127\.0\.0\.1:36925\/v1 1\/∞/);
    assert.ok(!f.includes('9007199254740991'));
    await press(r, KEYS.tab);
    // "[finished 5" is on the tab bar of the running table too: wait for the finished table's own header.
    f = stripAnsi(await waitFrame(r, (p) => p.includes('[finished 5') && /rollout +verdict +score +cost/.test(p)));
    assert.match(f, /rollout +verdict +score +cost/, 'the finished table has a header');
    assert.match(f, /1-5 of 5/);
    const order = (frame: string) => rows(frame).filter((l) => /#0/.test(l)).map((l) => /(durations|ledger)-(\d+)/.exec(l)![0]);
    assert.deepEqual(order(f), ['durations-12', 'durations-19', 'ledger-8', 'ledger-15', 'ledger-21'], 'natural order: ledger-8 before ledger-15');
    await press(r, 'O');
    f = stripAnsi(await waitFrame(r, (p) => p.includes('sort instance ↑')));
    assert.deepEqual(order(f), ['ledger-21', 'ledger-15', 'ledger-8', 'durations-19', 'durations-12']);
    await press(r, 'f');
    f = stripAnsi(await waitFrame(r, (p) => p.includes('resolved of 5')));
    assert.ok(order(f).length === 3 && !f.includes('unresolved'), 'resolved only');
    // Leaving and coming back keeps the sort and the filter of this session.
    cleanup();
    const again = renderWith(el());
    await waitFrame(again, (p) => p.includes('endpoints'));
    await press(again, KEYS.tab);
    f = stripAnsi(await waitFrame(again, (p) => p.includes('sort instance ↑') && p.includes('resolved of 5') && /rollout +verdict +score +cost/.test(p)));
    assert.deepEqual(order(f), ['ledger-21', 'ledger-8', 'durations-19'], 'the resolved rows, reversed, as left');
  });

  test(`fault 6: a dead batch: counts agree with the tables, no fresh heartbeats on dead rows (${size.columns}x${size.rows})`, async () => {
    const finished = [0, 1, 2].map((i) => ({ ...foldEvents(`r${i}`, scriptedRollout(`r${i}`)), rollout_id: `r${i}`, instance_id: `acme__x-${i}` }));
    const control = new RecordingControl(snapshot({ state: 'running', done: 2, running: 1, queued: 2, total: 6, active: [{ ...finished[0]!, rollout_id: 'live-1', instance_id: 'acme__y-9', status: 'running', heartbeat_age_ms: 199 }] }));
    const remote = { readOnlyReason: () => 'the batch process (pid 851) is gone (crashed or killed)', isLive: () => false, source: () => 'pid 851', onMessage: () => () => {} };
    const r = renderWith(<BatchDashboard control={control} remote={remote} finished={finished} sessionName="res1" width={size.columns} height={size.rows - 1} onOpen={() => {}} onBack={() => {}} />);
    const f = stripAnsi(await waitFrame(r, (p) => p.includes('batch res1')));
    assert.match(f, /STOPPED {2}3\/6 done · 0 running · 3 queued/);
    assert.match(f, /\[finished 3/);
    assert.ok(!f.includes('♥ 199ms'), 'a dead row shows no heartbeat');
  });

  test(`fault 8: K and X ask first (lazygit style) (${size.columns}x${size.rows})`, async () => {
    const row = { ...foldEvents('k-1', scriptedRollout('k-1')), status: 'running' as const, heartbeat_age_ms: 1000 };
    const control = new RecordingControl(snapshot({ active: [row], stalled: [] }));
    const r = renderWith(<BatchDashboard control={control} finished={[]} sessionName="b" width={size.columns} height={size.rows - 1} onOpen={() => {}} onBack={() => {}} />);
    await waitFrame(r, (p) => p.includes('acme__calc-1#0'));
    await press(r, 'K');
    await waitFrame(r, (p) => p.includes('y to confirm'));
    await press(r, KEYS.esc);
    await waitFrame(r, (p) => p.includes('cancelled'));
    await press(r, 'X');
    await waitFrame(r, (p) => p.includes('y to confirm'));
    await press(r, 'n');
    await waitFrame(r, (p) => p.includes('cancelled')); // X cleared the earlier "cancelled"; this one is n's
    assert.deepEqual(control.calls, [], 'nothing happened without y');
    await press(r, 'K');
    await waitFrame(r, (p) => p.includes('y to confirm'));
    await press(r, 'y');
    await helpers.until(() => control.calls.length === 1, 'kill');
    assert.deepEqual(control.calls, ['kill:k-1']);
  });

  test(`fault 8: r on an ended (interrupted) rollout of a stopped batch retries it: a fresh attempt, opened live (${size.columns}x${size.rows})`, async () => {
    const base = mkdtempSync(join(tmpdir(), 'swegym-retry-'));
    try {
      const dir = sessionOnDisk(base, 'stopped1', ['acme__a-1', 'acme__b-2'], 1, liveStatus({ ended: true }, { state: 'stopped' }));
      // acme__b-2 was killed (K) before the batch stopped: an interrupted attempt 0.
      const w = SessionWriter.open(dir);
      const cut = rolloutId('acme__b-2', 0, 0);
      const log = w.openRollout(cut);
      for (const e of stamp(cut, [{ type: 'rollout_started', instance_id: 'acme__b-2', sample: 0, attempt: 0, agent: { kind: 'gold', config: {} } }, { type: 'rollout_ended', status: 'interrupted', duration_ms: 3 }])) log.append(e);
      log.close();
      w.close();
      const backend = new RetryRecorder({ dataset: 'samples', sessionsDir: base, env: {} });
      const r = render(<App backend={backend} theme={theme} bindings={defaultBindings()} size={size} sessionsPollMs={0} />);
      await waitFrame(r, (p) => p.includes('stopped1'));
      await press(r, KEYS.down, KEYS.down, KEYS.enter);
      await waitFrame(r, (p) => p.includes('batch stopped1'));
      await press(r, KEYS.tab);
      await waitFrame(r, (p) => /rollout +verdict +score/.test(p) && p.includes('acme__b-2#0'));
      await press(r, KEYS.down);
      // The effect of Down: the selection (inverse video) moved to the interrupted row, the second in natural order.
      const selectedRow = (raw: string) => raw.split('\n').find((l) => l.includes('\x1b[7m'));
      await waitFrame(r, (_p, raw) => !!selectedRow(raw)?.includes('acme__b-2#0'));
      assert.match(stripAnsi(selectedRow(r.lastFrame()!)!), /acme__b-2#0 +interrupted/);
      await press(r, 'r');
      await helpers.until(() => backend.retried.length === 1, 'the retry');
      assert.deepEqual(backend.retried, [[dir, cut]]);
      // The new attempt opens live in the rollout view, and plays to its end there (the dashboard has no such header).
      const f = stripAnsi(await waitFrame(r, (p) => /^RESOLVED · step 2\/2 · /.test(rows(p)[0]!) && p.includes('agent 2 steps')));
      assert.ok(f.includes('acme__b-2'), f);
    } finally {
      cleanup();
      rmSync(base, { recursive: true, force: true });
    }
  });

  test(`fault 8: quitting while a single run is in progress asks (${size.columns}x${size.rows})`, async () => {
    const backend = new ScriptedBackend(undefined, 400);
    const exits: string[] = [];
    const r = render(<App backend={backend} theme={theme} bindings={defaultBindings()} size={size} sessionsPollMs={0} onExit={(m) => exits.push(m)} />);
    await waitFrame(r, (p) => p.includes('New run'));
    await press(r, 'n');
    await waitFrame(r, (p) => p.includes('filter:'));
    await press(r, KEYS.enter);
    await waitFrame(r, (p) => p.includes('with'));
    await press(r, KEYS.enter);
    await waitFrame(r, (p) => p.includes('RUNNING'));
    await press(r, '\x03'); // Ctrl-C
    await waitFrame(r, (p) => p.includes('A run is in progress'));
    assert.deepEqual(exits, []);
    await press(r, KEYS.esc);
    await waitFrame(r, (p) => !p.includes('A run is in progress'));
    assert.deepEqual(exits, []);
  });
}

for (const size of SIZES) {
  test(`fault 9: a workbench batch takes the CLI's options (samples, temperatures, concurrency, budget, seed) (${size.columns}x${size.rows})`, async () => {
    const backend = new ScriptedBackend();
    const r = render(<App backend={backend} theme={theme} bindings={defaultBindings()} size={size} sessionsPollMs={0} />);
    await waitFrame(r, (p) => p.includes('New run'));
    await press(r, 'b');
    await waitFrame(r, (p) => p.includes('mark instances for a batch'));
    await press(r, ' ', ' ');
    await waitFrame(r, (p) => p.includes('2 marked'));
    await press(r, '\x02');
    await waitFrame(r, (p) => p.includes('Run 2 instance(s) with'));
    await press(r, KEYS.enter);
    await waitFrame(r, (p) => p.includes('options (as swegym batch)'));
    await press(r, KEYS.backspace, '4', KEYS.down, KEYS.backspace, '0', ',', '0', '.', '7', KEYS.down, KEYS.down, '1', KEYS.down, KEYS.backspace, '7');
    await waitFrame(r, (p) => p.includes('8 rollout(s)'));
    await press(r, KEYS.enter);
    await helpers.until(() => backend.batches.length === 1, 'the batch');
    assert.deepEqual(backend.batches[0]!.opts, { samples: 4, temperatures: [0, 0.7], concurrency: 2, seed: 7, budgetUsd: 1 });
  });

  test(`fault 9: Home shows the configured model and endpoint (${size.columns}x${size.rows})`, async () => {
    const base = mkdtempSync(join(tmpdir(), 'swegym-home-model-'));
    try {
      const backend = new CoreBackend({ dataset: 'samples', sessionsDir: base, env: { OPENAI_API_KEY: 'sk-test' }, model: 'gpt-4o-mini', baseUrl: 'http://127.0.0.1:9/v1' });
      const r = render(<App backend={backend} theme={theme} bindings={defaultBindings()} size={size} sessionsPollMs={0} />);
      const f = stripAnsi(await waitFrame(r, (p) => p.includes('New run')));
      assert.match(f, /model gpt-4o-mini at http:\/\/127\.0\.0\.1:9\/v1/);
      assert.ok(!f.includes('sk-test'));
    } finally {
      cleanup();
      rmSync(base, { recursive: true, force: true });
    }
  });
}
