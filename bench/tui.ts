/**
 * bench/tui: CPU the workbench spends per second of wall time while 32 scripted rollouts stream events, and peak
 * memory. Events go through the real reducer (RolloutRegistry) and a real Ink instance renders the focused rollout
 * view (and then the batch dashboard) into a dummy TTY stream at the production frame cap. The same event stream is
 * first replayed with no TUI attached: that baseline's CPU is subtracted. Target: under 10% of one core.
 *
 *   node --import tsx bench/tui.ts [--seconds 8] [--rollouts 32] [--rate 50] [--only view|dashboard]
 *
 * `--only` measures one scenario (with its baseline), e.g. under `node --cpu-prof` to see where that view's time goes.
 */
import { Writable } from 'node:stream';
import { EventEmitter } from 'node:events';
import { parseArgs } from 'node:util';
import type { RolloutEvent } from '../src/core/events.js';
import type { SchedulerControl, SchedulerSnapshot } from '../src/core/scheduler/types.js';
import type { RolloutRegistry as Registry } from '../src/tui/state/rollout-store.js';

// The workbench runs React's production build (swegym tui sets this before React loads); so does the bench.
process.env.NODE_ENV ??= 'production';
const React = (await import('react')).default;
const { render } = await import('ink');
const { RolloutRegistry } = await import('../src/tui/state/rollout-store.js');
const { RolloutView } = await import('../src/tui/screens/rollout-view.js');
const { BatchDashboard } = await import('../src/tui/screens/batch.js');
const { ThemeContext } = await import('../src/tui/components/theme-context.js');
const { KeysContext } = await import('../src/tui/components/keys-context.js');
const { loadTheme } = await import('../src/tui/theme.js');
const { defaultBindings } = await import('../src/tui/keys.js');
const { scriptedRollout, TASK } = await import('../test/tui/scripted-rollout.js');

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '8' }, rollouts: { type: 'string', default: '32' }, rate: { type: 'string', default: '50' }, only: { type: 'string' } } });
const ONLY = values.only;
if (ONLY && ONLY !== 'view' && ONLY !== 'dashboard') throw new Error(`--only: expected view or dashboard, got ${ONLY}`);
const SECONDS = Number(values.seconds);
const N = Number(values.rollouts);
const RATE = Number(values.rate); // events per second per rollout

/** Long scripted rollouts: many steps with streamed output and deltas, restarted when they run out. */
function script(i: number): RolloutEvent[] {
  return scriptedRollout(`r${i}`, { steps: 40, outputChunks: 30 });
}

class DummyTTY extends Writable {
  isTTY = true;
  columns = 120;
  rows = 40;
  bytes = 0;
  override _write(chunk: Buffer, _enc: string, cb: () => void): void {
    this.bytes += chunk.length;
    cb();
  }
}
class DummyStdin extends EventEmitter {
  isTTY = true;
  setRawMode() {}
  setEncoding() {}
  resume() {}
  pause() {}
  ref() {}
  unref() {}
  read() {
    return null;
  }
}

async function stream(sink: (e: RolloutEvent) => void, seconds: number): Promise<number> {
  const scripts = Array.from({ length: N }, (_, i) => script(i));
  const pos = new Array<number>(N).fill(0);
  const tickMs = 20;
  const perTick = (RATE * tickMs) / 1000;
  let carry = 0;
  let sent = 0;
  const t0 = Date.now();
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      carry += perTick;
      const k = Math.floor(carry);
      carry -= k;
      for (let r = 0; r < N; r++) {
        for (let j = 0; j < k; j++) {
          const e = scripts[r][pos[r] % scripts[r].length];
          pos[r]++;
          // Fresh seq and time, as a live emitter would stamp them.
          sink({ ...e, seq: pos[r], ts: Date.now() } as RolloutEvent);
          sent++;
        }
      }
      if (Date.now() - t0 >= seconds * 1000) {
        clearInterval(timer);
        resolve();
      }
    }, tickMs);
  });
  return sent;
}

interface Measure { wallMs: number; cpuMs: number; events: number; peakRssMb: number; peakHeapMb: number; bytes?: number; frames?: number }

async function measure(label: string, run: () => Promise<{ events: number; bytes?: number; frames?: number }>): Promise<Measure> {
  (globalThis as { gc?: () => void }).gc?.();
  let peakRss = 0;
  let peakHeap = 0;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  }, 50);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await run();
  const wallMs = performance.now() - t0;
  const c = process.cpuUsage(c0);
  clearInterval(sampler);
  const out = { wallMs, cpuMs: (c.user + c.system) / 1000, peakRssMb: peakRss / 2 ** 20, peakHeapMb: peakHeap / 2 ** 20, ...r };
  console.log(`${label.padEnd(34)} wall ${(out.wallMs / 1000).toFixed(1)}s  cpu ${out.cpuMs.toFixed(0)}ms (${((100 * out.cpuMs) / out.wallMs).toFixed(1)}% of a core)  events ${out.events}  peak rss ${out.peakRssMb.toFixed(0)}MB heap ${out.peakHeapMb.toFixed(0)}MB${out.frames !== undefined ? `  frames ${out.frames}  bytes ${out.bytes}` : ''}`);
  return out;
}

function wrap(el: React.ReactElement): React.ReactElement {
  return React.createElement(ThemeContext.Provider, { value: loadTheme({ name: 'dark' }) }, React.createElement(KeysContext.Provider, { value: defaultBindings() }, el));
}

async function withInk(el: (reg: Registry) => React.ReactElement, extra?: (reg: Registry) => () => void) {
  return withInkFor(SECONDS, el, extra);
}

async function withInkFor(seconds: number, el: (reg: Registry) => React.ReactElement, extra?: (reg: Registry) => () => void) {
  const reg = new RolloutRegistry();
  const stdout = new DummyTTY();
  let frames = 0;
  const ink = render(wrap(el(reg)), {
    stdout: stdout as unknown as NodeJS.WriteStream,
    stdin: new DummyStdin() as unknown as NodeJS.ReadStream,
    stderr: new DummyTTY() as unknown as NodeJS.WriteStream,
    exitOnCtrlC: false,
    patchConsole: false,
    maxFps: 10,
    incrementalRendering: true,
    interactive: true,
    onRender: () => frames++,
  });
  const stop = extra?.(reg);
  const events = await stream(reg.push, seconds);
  stop?.();
  ink.unmount();
  return { events, bytes: stdout.bytes, frames };
}

console.log(`bench/tui: ${N} rollouts x ${RATE} events/s for ${SECONDS}s (Node ${process.version}, NODE_ENV=${process.env.NODE_ENV})`);
// Warm-up (not measured): the first frames compile Ink's and our rendering paths.
await withInkFor(1.5, (reg) => React.createElement(RolloutView, { store: reg.store('r0'), task: TASK, width: 120, height: 39, onBack: () => {} }));
const base = await measure('baseline (events, no TUI)', async () => ({ events: await stream(() => {}, SECONDS) }));
const reducer = await measure('reducer only (32 view models)', async () => {
  const reg = new RolloutRegistry();
  return { events: await stream(reg.push, SECONDS) };
});
const view = ONLY === 'dashboard' ? undefined : await measure('reducer + Ink rollout view', () =>
  withInk((reg) => React.createElement(RolloutView, { store: reg.store('r0'), task: TASK, width: 120, height: 39, onBack: () => {} })),
);

/** A scheduler-shaped snapshot source over the registry, published at 10 Hz like the scheduler's. */
function snapshots(reg: Registry): SchedulerControl & { start(): () => void } {
  const listeners = new Set<(s: SchedulerSnapshot) => void>();
  const snap = (): SchedulerSnapshot => {
    const active = reg.ids().map((id) => ({ ...reg.store(id).summary(), current_step: 'bash', heartbeat_age_ms: 100 }));
    return { state: 'running', total: 64, done: 10, running: active.length, queued: 22, resolved: 5, infra_failures: 0, retries: 0, stalled: [], active, throughput_per_min: 3, eta_ms: 60000, cost_usd: 1, tokens: 1000, workers: { busy: N, max: N }, endpoints: [], containers_swept: 0 };
  };
  return {
    snapshot: snap,
    onSnapshot: (cb) => (listeners.add(cb), () => listeners.delete(cb)),
    pause() {},
    resume() {},
    async stop() {},
    kill() {},
    retry() {},
    start() {
      const t = setInterval(() => {
        const s = snap();
        for (const l of listeners) l(s);
      }, 100);
      return () => clearInterval(t);
    },
  };
}
let control: ReturnType<typeof snapshots> | undefined;
const dash = ONLY === 'view' ? undefined : await measure('reducer + Ink batch dashboard', () =>
  withInk(
    (reg) => {
      control = snapshots(reg);
      return React.createElement(BatchDashboard, { control, finished: [], sessionName: 'bench', width: 120, height: 39, onOpen: () => {}, onBack: () => {} });
    },
    () => control!.start(),
  ),
);

const pct = (m: Measure) => (100 * Math.max(0, m.cpuMs - (base.cpuMs * m.wallMs) / base.wallMs)) / m.wallMs;
const perSec = (m: Measure, n: number | undefined) => ((n ?? 0) / (m.wallMs / 1000)).toFixed(1);
const measured = [['rollout view', view], ['dashboard', dash]].filter((x): x is [string, Measure] => !!x[1]);
console.log('');
console.log(`TUI CPU per wall second (minus baseline): reducer ${pct(reducer).toFixed(1)}%, ${measured.map(([l, m]) => `${l} ${pct(m).toFixed(1)}%`).join(', ')} of one core (target < 10%)`);
console.log(`events/s ${(measured[0][1].events / (measured[0][1].wallMs / 1000)).toFixed(0)}; frames/s ${measured.map(([l, m]) => `${l} ${perSec(m, m.frames)}`).join(', ')}; peak rss ${Math.max(...measured.map(([, m]) => m.peakRssMb)).toFixed(0)}MB`);
const worst = Math.max(...measured.map(([, m]) => pct(m)));
console.log(worst < 10 ? 'PASS: under 10% of one core' : `OVER TARGET: ${worst.toFixed(1)}% of one core`);
process.exit(0);
