import { helpers } from './imports.js';
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import React from 'react';
import { render, cleanup } from 'ink-testing-library';
import type { EventBody } from '../../src/core/events.js';
import { App } from '../../src/tui/app.js';
import { RolloutView } from '../../src/tui/screens/rollout-view.js';
import { RolloutStore } from '../../src/tui/state/rollout-store.js';
import { loadTheme } from '../../src/tui/theme.js';
import { defaultBindings } from '../../src/tui/keys.js';
import { ScriptedBackend } from './scripted-backend.js';
import { scriptedBodies, stamp, TASK } from './scripted-rollout.js';

/** Issue 13, faults 1-4: the rollout view is live while the agent is silent, keeps what matters, shows failure first, and steps through samples. */

const { renderWith, press, waitFrame, rows, KEYS, stripAnsi, tick } = helpers;
afterEach(() => cleanup());

const SIZES = [
  { columns: 80, rows: 24 },
  { columns: 60, rows: 20 },
];
const ID = 'swegym-samples__ledger-21';
const LEDGER = { ...TASK, instance_id: ID, repo: 'swegym-samples/ledger', problem_statement: 'Support milliseconds ("250ms") in parse_duration and reject negative amounts like -100 USD in post()' };

/** A rollout that started 3 s ago and whose second tool call (`sleep 40`) has run for 2 s without a word. */
function silentRollout(stallAgoMs = 2000): RolloutStore {
  const t0 = Date.now() - 3000;
  const bodies: EventBody[] = [
    { type: 'rollout_started', instance_id: ID, sample: 0, agent: { kind: 'llm', model: 'gpt-4o-mini', config: {} }, attempt: 0 },
    { type: 'env_ready', image: 'img', container_id: 'c0ffee', duration_ms: 10, repo_dir: '/testbed' },
    { type: 'model_response', turn: 0, content: 'Run the tests.', tool_calls: [{ id: 'c1', name: 'execute_bash', arguments: JSON.stringify({ command: 'pytest -q ; sleep 40' }) }], usage: { prompt_tokens: 2400, completion_tokens: 120, estimated: false }, cost_usd: 0.0012, latency_ms: 3400 },
  ];
  const events = stamp('live-1', bodies, t0);
  const start = { ...stamp('live-1', [{ type: 'tool_start', step: 0, call_id: 'c1', tool: 'execute_bash', args: { command: 'pytest -q ; sleep 40' } }], Date.now() - stallAgoMs)[0]!, seq: 3 };
  const store = new RolloutStore('live-1', 0);
  store.pushAll([...events, start]);
  return store;
}

const header = (f: string) => rows(f)[0]!;
const runningStep = (f: string) => rows(f).find((l) => l.includes('▶ #1')) ?? '';

for (const size of SIZES) {
  const { columns: width, rows: height } = size;

  test(`fault 1: while the agent is silent the clock moves: elapsed and the step timer advance once a second (${width}x${height})`, async () => {
    const r = renderWith(<RolloutView store={silentRollout()} task={LEDGER} width={width} height={height} onBack={() => {}} />);
    const a = await waitFrame(r, (p) => p.includes('RUNNING') && p.includes('▶ #1'));
    await tick(1300);
    // Both must move: a render for another reason (Date.now() differs) may change the header before the clock ticks.
    const b = await waitFrame(r, (p) => header(p) !== header(a) && runningStep(p) !== runningStep(stripAnsi(a)));
    // The silence began 2 s before the view: on a loaded machine it may pass the quiet threshold and show its ♥ age.
    assert.match(header(a), /RUNNING · (♥ [\d.]+s · )?step 1\/1 · [\d.]+s · \$0\.0012/);
    assert.match(header(b), /RUNNING · (♥ [\d.]+s · )?step 1\/1 · [\d.]+s · \$0\.0012/);
    assert.notEqual(runningStep(stripAnsi(b)), runningStep(stripAnsi(a)), 'the running step timer moved');
    assert.match(runningStep(stripAnsi(b)), /execute_bash [\d.]+s/);
    assert.equal(rows(b).length, height);
  });

  test(`fault 1: a silent rollout shows its heartbeat age and STALLED in the rollout header (${width}x${height})`, async () => {
    const r = renderWith(<RolloutView store={silentRollout(8000)} task={LEDGER} width={width} height={height} stallMs={6000} onBack={() => {}} />);
    const f = await waitFrame(r, (p) => p.includes('STALLED'));
    // The last event was 8 s before the store was made; a loaded machine may take a while longer to draw the frame.
    const age = /^RUNNING · STALLED ♥ (\d+\.\d)s · step 1\/1/.exec(header(f));
    assert.ok(age && Number(age[1]) >= 8 && Number(age[1]) < 60, header(f));
  });

  test(`fault 1: nothing live, nothing written: a finished rollout renders no frame while idle (${width}x${height})`, async () => {
    const store = new RolloutStore('done-1', 0);
    store.pushAll(stamp('done-1', scriptedBodies({ steps: 2 })));
    const r = renderWith(<RolloutView store={store} task={TASK} width={width} height={height} onBack={() => {}} />);
    await waitFrame(r, (p) => p.includes('RESOLVED'));
    // Let the first render settle (effects of mounting may draw once more on a loaded machine), then watch 2.3 s:
    // a clock ticking once a second would draw at least twice in that time.
    let n = r.frames.length;
    for (let quiet = 0, waited = 0; quiet < 300 && waited < 5000; quiet += 20, waited += 20) {
      await tick(20);
      if (r.frames.length !== n) (n = r.frames.length), (quiet = 0);
    }
    await tick(2300);
    assert.equal(r.frames.length, n, 'no frame was written while nothing changed');
  });

  test(`fault 2: the header keeps verdict, step n/m, elapsed and cost; the id is cut in the middle; prose wraps by word (${width}x${height})`, async () => {
    const store = new RolloutStore('r1', 0);
    store.pushAll(stamp('r1', scriptedBodies({ steps: 2 }).map((b) => (b.type === 'rollout_started' ? { ...b, instance_id: ID, agent: { kind: 'llm', model: 'gpt-4o-mini', config: {} } } : b))));
    const r = renderWith(<RolloutView store={store} task={LEDGER} width={width} height={height} onBack={() => {}} />);
    const f = await waitFrame(r, (p) => p.includes('RESOLVED'));
    const h = header(f);
    assert.match(h, /^RESOLVED · step 2\/2 · [\d.]+s · \$0\.0020 · /, h);
    assert.ok(h.includes('ledger-21'), `the distinguishing end of the id is kept: ${h}`);
    // The task pane wraps at word boundaries: no word of the issue is split across rows.
    const text = stripAnsi(f);
    for (const word of ['parse_duration', 'milliseconds']) if (text.includes(word.slice(0, 5))) assert.ok(text.includes(word), `"${word}" was split:\n${text}`);
  });

  test(`fault 3: failure first: the failing test is on screen with its full id, errors are the headline, exit 137 is a ✗ (${width}x${height})`, async () => {
    const failing = 'tests/test_parse.py::test_invalid[1 day]';
    const passing = Array.from({ length: 23 }, (_, i) => `tests/test_parse.py::test_ok_${i}`);
    const bodies = scriptedBodies({ steps: 1, resolved: false }).map((b) => {
      if (b.type === 'tool_end') return { ...b, exit_code: 137 };
      if (b.type !== 'verification_verdict') return b;
      return { ...b, verdict: { ...b.verdict, tests_status: { ...b.verdict.tests_status!, FAIL_TO_PASS: { success: [], failure: [] }, PASS_TO_PASS: { success: passing, failure: [failing] } } } };
    });
    const store = new RolloutStore('u1', 0);
    store.pushAll(stamp('u1', bodies));
    const opened: Array<[string, string | undefined]> = [];
    const r = renderWith(<RolloutView store={store} task={TASK} width={width} height={height} onBack={() => {}} openPager={(k, _vm, _e, at) => void opened.push([k, at])} />);
    let f = await waitFrame(r, (p) => p.includes('UNRESOLVED'));
    // The scores pane (unzoomed, or zoomed at 60 columns where panes are tabs): the failing test with its whole id.
    const zoom = !stripAnsi(f).includes('✗ P2P');
    if (zoom) await press(r, KEYS.tab, KEYS.tab, KEYS.tab, 'z'); // the scores pane, zoomed
    f = await waitFrame(r, (p) => p.includes('✗ P2P'));
    const plain = stripAnsi(f).replace(/│/g, '');
    assert.ok(plain.replace(/\s+/g, ' ').includes(failing.replace(/\s+/g, ' ')) || plain.replace(/\s+/g, '').includes(failing.replace(/\s+/g, '')), `the failing id in full:\n${plain}`);
    await press(r, 't');
    assert.deepEqual(opened.at(-1), ['testlog', failing], 't opens the test log at the failing test');
    // The killed command: ✗, never ✓, next to exit 137.
    const zoomed = stripAnsi(r.lastFrame()!);
    if (zoom) await press(r, 'z');
    // Unzoomed: the frame changes (the zoomed scores pane may hold "exit 137" as well).
    f = await waitFrame(r, (p) => p.includes('exit 137') && (!zoom || p !== zoomed));
    const stepRow = rows(f).find((l) => l.includes('exit 137'))!;
    assert.match(stepRow, /✗ #1 bash exit 137/);
  });

  test(`fault 3: a failed model call headlines ERROR with its whole reason, not EMPTY PATCH (${width}x${height})`, async () => {
    const reason = 'model call failed after 1 attempt(s): 400 unknown seed undefined';
    const bodies: EventBody[] = [
      { type: 'rollout_started', instance_id: 'swegym-samples__durations-12', sample: 0, agent: { kind: 'llm', model: 'gpt-4o-mini', config: {} }, attempt: 0 },
      { type: 'agent_stopped', reason: 'error', message: reason, turns: 0, usage: { prompt_tokens: 0, completion_tokens: 0, estimated: false }, cost_usd: 0 },
      { type: 'verification_verdict', verdict: { instance_id: 'swegym-samples__durations-12', profile: 'swegym', status: 'empty_patch', resolved: false, reason: 'empty patch' } },
      { type: 'rollout_ended', status: 'completed', duration_ms: 100 },
    ];
    const store = new RolloutStore('e1', 0);
    store.pushAll(stamp('e1', bodies));
    const r = renderWith(<RolloutView store={store} task={TASK} width={width} height={height} onBack={() => {}} />);
    let f = await waitFrame(r, (p) => p.includes('ERROR'));
    assert.match(header(f), /^ERROR · /);
    assert.ok(!header(f).includes('EMPTY PATCH'));
    await press(r, KEYS.tab, KEYS.tab, KEYS.tab, 'z'); // the scores pane, zoomed
    f = await waitFrame(r, (p) => rows(p)[1]!.startsWith('╭─ ▶ scores'));
    const flat = stripAnsi(f).split('\n').map((l) => l.replace(/^│|│$/g, '').trim()).join(' ');
    assert.ok(flat.includes(reason), `the reason in full, wrapped:\n${stripAnsi(f)}`);
  });
}

/** A session of two instances: A with three samples (unresolved, resolved, empty), B with one. */
function sampleSession(backend: ScriptedBackend): void {
  const s = backend.session('sessions/bon');
  const add = (id: string, instance: string, sample: number, status: 'resolved' | 'unresolved' | 'empty_patch') => {
    const bodies = scriptedBodies({ steps: 1, resolved: status === 'resolved' }).map((b) => {
      if (b.type === 'rollout_started') return { ...b, instance_id: instance, sample };
      if (b.type === 'verification_verdict') return { ...b, verdict: { ...b.verdict, instance_id: instance, status, resolved: status === 'resolved' } };
      if (b.type === 'verifier_score') return { ...b, score: status === 'resolved' ? 0.9 : 0.1 };
      return b;
    });
    for (const e of stamp(id, bodies, 1_700_000_000_000 + sample * 10_000)) s.append(e);
  };
  add('a-0', 'acme__calc-1', 0, 'unresolved');
  add('a-1', 'acme__calc-1', 1, 'resolved');
  add('a-2', 'acme__calc-1', 2, 'empty_patch');
  add('b-0', 'other__proj-7', 0, 'unresolved');
}

for (const size of SIZES) {
  test(`fault 4: Enter opens the best sample; [ ] step samples of the instance; H/L move instances; B opens best-of-n (${size.columns}x${size.rows})`, async () => {
    const backend = new ScriptedBackend();
    sampleSession(backend);
    const r = render(<App backend={backend} theme={loadTheme({ name: 'dark' })} bindings={defaultBindings()} size={size} sessionsPollMs={0} initialSession="sessions/bon" />);
    await waitFrame(r, (p) => p.includes('session bon') && p.includes('acme__calc-1'));
    await press(r, KEYS.enter);
    let f = await waitFrame(r, (p) => p.includes('RESOLVED'));
    assert.match(header(f), /sample 1 \[2\/3\]|RESOLVED/);
    await press(r, ']');
    f = await waitFrame(r, (p) => header(p).startsWith('EMPTY PATCH'));
    await press(r, '[');
    await waitFrame(r, (p) => header(p).startsWith('RESOLVED'));
    await press(r, '[');
    f = await waitFrame(r, (p) => header(p).startsWith('UNRESOLVED'));
    assert.match(header(f), /sample 0 \[1\/3\]|UNRESOLVED/);
    await press(r, 'L');
    f = await waitFrame(r, (p) => p.includes('rollout other__proj-7'));
    await press(r, 'H');
    f = await waitFrame(r, (p) => p.includes('rollout acme__calc-1') && header(p).startsWith('RESOLVED'));
    await press(r, 'B');
    f = await waitFrame(r, (p) => p.includes('best-of-3'));
    assert.equal(rows(f).length, size.rows);
  });
}

/** Fault 10: best-of-n and run compare at 80x24 / 60x20 say what they measure and show the change, not git headers. */
import { BestOfN } from '../../src/tui/screens/best-of-n.js';
import { RunCompare } from '../../src/tui/screens/run-compare.js';
import { foldEvents } from '../../src/core/session/summary-fold.js';
import { renderChart } from '../../src/core/verifier/chart.js';
import { GOLD_PATCH } from './scripted-rollout.js';

for (const size of SIZES) {
  test(`fault 10: best-of-n shows hunks before headers, F2P/P2P and the failing test per candidate, a vs b, session-wide curves (${size.columns}x${size.rows})`, async () => {
    const wrong = GOLD_PATCH.replace('+    return a / b', '+    return float(a // b)');
    const cands = [0, 1, 2].map((i) => ({ ...foldEvents(`c${i}`, stamp(`c${i}`, scriptedBodies({ steps: 1, resolved: i !== 1 }))), sample: i, resolved: i !== 1, verdict: i !== 1 ? ('resolved' as const) : ('unresolved' as const) }));
    const r = renderWith(
      <BestOfN instanceId="swegym-samples__durations-12" candidates={cands} loadPatch={async (id) => (id === 'c1' ? wrong : GOLD_PATCH)} testsOf={(id) => (id === 'c1' ? { f2p: '0/1', p2p: '2/2', failing: 'tests/test_ops.py::test_divide_float' } : { f2p: '1/1', p2p: '2/2' })}
        curves={{ passAtK: [0.65, 0.93, 1], bestAtK: [0.65, 0.65, 0.65] }} width={size.columns} height={size.rows - 1} onMarkWinner={() => {}} onOpen={() => {}} onBack={() => {}} />,
    );
    let f = stripAnsi(await waitFrame(r, (p) => p.includes('return a / b') || p.includes('return float')));
    assert.ok(!f.includes('diff --git'), `no git header lines in the boxes:\n${f}`);
    assert.match(f, /▸ calc\/ops\.py \+1 −1/);
    assert.match(f, /@@ -10,7 \+10,7 @@/);
    assert.match(f, /0\/1 +2\/2/, 'per-candidate F2P / P2P');
    assert.match(f, /session/, 'the curves say they are session-wide');
    assert.match(f, /no verifier scores|ranked by critic/);
    // a vs b: the lines that differ between the two candidates' patches.
    await press(r, 'j', 'j', 'b', 'd');
    f = stripAnsi(await waitFrame(r, (p) => p.includes('a vs b')));
    assert.match(f, /< \+ +return a \/ b/);
    assert.match(f, /> \+ +return float\(a \/\/ b\)/);
  });

  test(`fault 10: run compare counts k/n per instance and mean rates, not "any sample"; f keeps the differing rows (${size.columns}x${size.rows})`, async () => {
    const mk = (id: string, inst: string, sample: number, resolved: boolean) => ({ ...foldEvents(id, stamp(id, scriptedBodies({ steps: 1, resolved }))), instance_id: inst, sample, resolved, verdict: resolved ? ('resolved' as const) : ('unresolved' as const) });
    const gold = ['acme__a-1', 'acme__b-2'].map((inst, i) => mk(`g${i}`, inst, 0, true));
    const bon = [mk('x0', 'acme__a-1', 0, true), mk('x1', 'acme__a-1', 1, false), mk('x2', 'acme__a-1', 2, true), mk('x3', 'acme__a-1', 3, false), ...[0, 1, 2, 3].map((s) => mk(`y${s}`, 'acme__b-2', s, true))];
    const r = renderWith(<RunCompare a={{ name: 'goldrun', summaries: gold }} b={{ name: 'bon4', summaries: bon }} width={size.columns} height={size.rows - 1} onOpen={() => {}} onBack={() => {}} />);
    let f = stripAnsi(await waitFrame(r, (p) => p.includes('compare')));
    assert.match(f, /bon4: 6\/8 rollouts 75%/);
    assert.match(f, /1 differ/);
    assert.match(f, /acme__a-1 +1\/1 resolved +2\/4 resolved/);
    await press(r, 'f');
    f = stripAnsi(await waitFrame(r, (p) => p.includes('≠ only')));
    assert.ok(!f.includes('acme__b-2'));
  });
}

test('fault 10: the k axis of a pass@k chart labels every k (1 2 3 4, no gaps)', () => {
  const c = renderChart([{ name: 'pass@k', points: [1, 2, 3, 4].map((x) => ({ x, y: x / 4 })) }], { width: 40, height: 4, yMin: 0, yMax: 1 });
  const axis = c.lines.find((l) => /^\s+1\s/.test(l) && l.includes('4'))!;
  assert.deepEqual(axis.trim().split(/\s+/), ['1', '2', '3', '4']);
});

test('verdict fields others add are shown when present: tamper, env_partial, the harness version, the Moatless retrieval backend', async () => {
  const bodies: EventBody[] = scriptedBodies({ steps: 1 }).map((b): EventBody => {
    if (b.type !== 'verification_verdict') return b;
    return { ...b, verdict: { ...b.verdict, env_partial: true as const, harness: { profile: 'swegym' as const, official: 'SWE-Gym fork 242429c' }, tamper: { flagged: true as const, files: [{ path: 'tests/conftest.py', reason: 'conftest.py' as const }] } } };
  });
  bodies.splice(1, 0, { type: 'moatless_setup', retrieval_backend: 'bm25', quirks: {} } as EventBody);
  const store = new RolloutStore('v1', 0);
  store.pushAll(stamp('v1', bodies));
  const r = renderWith(<RolloutView store={store} task={TASK} width={100} height={30} onBack={() => {}} />);
  await waitFrame(r, (p) => p.includes('RESOLVED'));
  await press(r, KEYS.tab, KEYS.tab, KEYS.tab, 'z');
  // Wait for the zoomed pane itself: the unzoomed one already shows "tamper", wrapped, so waiting on that word races the zoom.
  const f = stripAnsi(await waitFrame(r, (p) => /tamper +the patch touches what grades it: tests\/conftest\.py/.test(p)));
  assert.match(header(f), /RESOLVED · TAMPER/);
  assert.match(f, /tamper +the patch touches what grades it: tests\/conftest\.py \(conftest\.py\)/);
  assert.match(f, /env +partial: built without install steps/);
  assert.match(f, /harness +swegym = SWE-Gym fork 242429c/);
  assert.match(f, /retrieval bm25/);
});
