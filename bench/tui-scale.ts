/**
 * bench/tui-scale: the workbench and `report` on a SWE-Gym-sized session (issue 13, fault 11). A synthetic session
 * of 2,438 instances x 16 samples = 39,008 rollouts (bench/scale-session.ts: real event logs, ~650 MB) and, as the
 * baseline measured in the same run, the same session at 1/10 scale (244 x 16 = 3,904 rollouts). Each figure is
 * taken in a fresh process (modules loaded first, then the clock starts), median of --runs:
 *
 *   rebuild  the index missing: SessionWriter.open rebuilds it from every log and writes it (one row per log);
 *            against reading and JSON-parsing every log whole (the least any index-less path costs)
 *   home     Home's listing of a sessions folder holding the session (SessionLister, first call)
 *   picker   opening the session's picker as the workbench does: open the session (index only), its summaries,
 *            start following it, group by instance, first frame of the real Picker (Ink) with 2,438 tasks;
 *            then the CPU the open picker spends per second while nothing changes (the follow's polling)
 *   report   `swegym report <dir>` in process (sessionReport + formatReport), and the whole CLI process
 *
 * Targets (issue 13): Home <= 0.5 s, picker <= 1 s, report <= 1 s at 39,008 rollouts. The figures are wall time on a
 * shared machine: the load average is printed with them.
 *
 *   node --import tsx bench/tui-scale.ts [--runs 3] [--instances 2438] [--samples 16] [--keep DIR]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const HERE = fileURLToPath(import.meta.url);
const ROOT = resolve(HERE, '../..');

type Mode = 'rebuild' | 'baseline' | 'home' | 'picker' | 'report' | 'report-cli';

/** One measurement in this (child) process: modules are imported before the clock starts. */
async function child(mode: Mode, dir: string, instances: number): Promise<void> {
  // CPU time of this process since the clock started, next to the wall time: on a loaded shared machine the wall time
  // is mostly waiting for a core, the CPU time is what the work costs.
  let c0 = process.cpuUsage();
  const cpu = () => {
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / 1000;
  };
  const out = (o: Record<string, number>) => console.log(JSON.stringify({ cpu: cpu(), ...o }));
  if (mode === 'rebuild') {
    const { SessionWriter } = await import('../src/core/session/writer.js');
    const { INDEX_FILE } = await import('../src/core/session/store.js');
    if (existsSync(join(dir, INDEX_FILE))) unlinkSync(join(dir, INDEX_FILE));
    c0 = process.cpuUsage();
    const t = performance.now();
    SessionWriter.open(dir).close();
    return out({ ms: performance.now() - t });
  }
  if (mode === 'baseline') {
    const rdir = join(dir, 'rollouts');
    c0 = process.cpuUsage();
    const t = performance.now();
    let events = 0;
    for (const f of readdirSync(rdir)) {
      if (!f.endsWith('.jsonl')) continue;
      for (const l of readFileSync(join(rdir, f), 'utf8').split('\n')) if (l) (JSON.parse(l), events++);
    }
    return out({ ms: performance.now() - t, events });
  }
  if (mode === 'home') {
    const { SessionLister } = await import('../src/tui/session-lister.js');
    c0 = process.cpuUsage();
    const t = performance.now();
    const rows = new SessionLister(join(dir, '..')).list();
    return out({ ms: performance.now() - t, rollouts: rows[0]?.rollouts ?? 0 });
  }
  if (mode === 'report') {
    const { reportCommand } = await import('../src/cli/commands/report.js');
    let lines = 0;
    c0 = process.cpuUsage();
    const t = performance.now();
    await reportCommand({ session: dir, out: (l) => (lines += l.split('\n').length) });
    return out({ ms: performance.now() - t, lines });
  }
  if (mode === 'report-cli') {
    c0 = process.cpuUsage();
    const t = performance.now();
    const r = spawnSync(process.execPath, [join(ROOT, 'bin/swegym.js'), 'report', dir], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
    return out({ ms: performance.now() - t });
  }
  // picker
  process.env.NODE_ENV ??= 'production';
  const React = (await import('react')).default;
  const { render } = await import('ink');
  const { Writable } = await import('node:stream');
  const { EventEmitter } = await import('node:events');
  const { openSession } = await import('../src/core/session/store.js');
  const { followSummaries } = await import('../src/tui/state/follow-summaries.js');
  const { Picker } = await import('../src/tui/screens/picker.js');
  const { ThemeContext } = await import('../src/tui/components/theme-context.js');
  const { KeysContext } = await import('../src/tui/components/keys-context.js');
  const { loadTheme } = await import('../src/tui/theme.js');
  const { defaultBindings } = await import('../src/tui/keys.js');
  const { scaleTasks } = await import('./scale-session.js');
  const tasks = scaleTasks(instances).map((t) => ({ ...t, patch: '', test_patch: '' }));
  class TTY extends Writable {
    isTTY = true;
    columns = 80;
    rows = 24;
    override _write(_c: Buffer, _e: string, cb: () => void): void {
      cb();
    }
  }
  class Stdin extends EventEmitter {
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
  c0 = process.cpuUsage();
  const t = performance.now();
  // What useSessions.openSession does, then the picker route's first frame.
  const reader = await Promise.resolve(openSession(dir));
  const summaries = reader.summaries().filter((r) => r.status !== 'queued');
  const off = followSummaries(reader, { onEvent: () => {}, onSummaries: () => {}, onError: () => {} });
  const openMs = performance.now() - t;
  let firstFrame = 0;
  const ink = render(
    React.createElement(ThemeContext.Provider, { value: loadTheme({ name: 'dark' }) }, React.createElement(KeysContext.Provider, { value: defaultBindings() }, React.createElement(Picker, { tasks, summaries, title: 'session scale', width: 80, height: 23, active: true, onOpen: () => {}, onBatch: () => {}, onBack: () => {} }))),
    { stdout: new TTY() as unknown as NodeJS.WriteStream, stdin: new Stdin() as unknown as NodeJS.ReadStream, stderr: new TTY() as unknown as NodeJS.WriteStream, exitOnCtrlC: false, patchConsole: false, interactive: true, onRender: () => (firstFrame ||= performance.now()) },
  );
  while (!firstFrame) await new Promise((r) => setTimeout(r, 1));
  const ms = firstFrame - t;
  const firstCpu = cpu();
  // Idle: the picker stays open, nothing changes; the session follow polls.
  await new Promise((r) => setTimeout(r, 500));
  const i0 = process.cpuUsage();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, 3000));
  const c = process.cpuUsage(i0);
  const idlePct = ((c.user + c.system) / 1000 / (performance.now() - t0)) * 100;
  off();
  ink.unmount();
  console.log(JSON.stringify({ ms, cpu: firstCpu, openMs, rows: summaries.length, idlePct }));
  process.exit(0);
}

function inChild(mode: Mode, dir: string, instances: number): Record<string, number> {
  const r = spawnSync(process.execPath, ['--import', 'tsx', HERE, '--child', mode, '--dir', dir, '--instances', String(instances)], { encoding: 'utf8', cwd: ROOT, maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`${mode} ${dir}: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, number>;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const load = () => loadavg().map((x) => x.toFixed(1)).join(' ');

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      child: { type: 'string' },
      dir: { type: 'string' },
      runs: { type: 'string', default: '3' },
      instances: { type: 'string', default: '2438' },
      samples: { type: 'string', default: '16' },
      keep: { type: 'string' },
    },
  });
  if (values.child) return child(values.child as Mode, values.dir!, Number(values.instances));
  const runs = Number(values.runs);
  const instances = Number(values.instances);
  const samples = Number(values.samples);
  const { generateScaleSession } = await import('./scale-session.js');
  const base = values.keep ? resolve(values.keep) : mkdtempSync(join(tmpdir(), 'swegym-bench-scale-'));
  const sizes = [
    { label: '1/10', instances: Math.max(1, Math.round(instances / 10)) },
    { label: 'full', instances },
  ];
  console.log(`bench/tui-scale (Node ${process.version}); load average at start ${load()}`);
  const results: Record<string, Record<string, number>> = {};
  try {
    for (const s of sizes) {
      // Each session in its own sessions folder, so Home lists exactly it.
      const dir = join(base, `${s.label === 'full' ? 'full' : 'tenth'}-${s.instances}x${samples}`, 'scale');
      if (!existsSync(join(dir, 'manifest.json'))) {
        mkdirSync(join(dir, '..'), { recursive: true });
        const g = generateScaleSession(dir, { instances: s.instances, samples });
        console.log(`generated ${g.rollouts} rollouts (${(g.bytes / 1e6).toFixed(0)} MB of logs) in ${(g.ms / 1000).toFixed(1)} s: ${dir}`);
      }
      const r: Record<string, number> = { rollouts: s.instances * samples };
      const rebuild: number[] = [];
      const rebuildCpu: number[] = [];
      const baseline: number[] = [];
      for (let i = 0; i < Math.min(runs, 2); i++) {
        const rb = inChild('rebuild', dir, s.instances);
        rebuild.push(rb.ms!);
        rebuildCpu.push(rb.cpu!);
        baseline.push(inChild('baseline', dir, s.instances).ms!);
      }
      r.rebuild = median(rebuild);
      r.baseline = median(baseline);
      const cpu: Record<string, number[]> = { home: [], picker: [], report: [], rebuild: [] };
      const home: number[] = [];
      const picker: number[] = [];
      const pickerOpen: number[] = [];
      const idle: number[] = [];
      const report: number[] = [];
      const cli: number[] = [];
      for (let i = 0; i < runs; i++) {
        const h = inChild('home', dir, s.instances);
        home.push(h.ms!);
        cpu.home!.push(h.cpu!);
        const p = inChild('picker', dir, s.instances);
        picker.push(p.ms!);
        cpu.picker!.push(p.cpu!);
        pickerOpen.push(p.openMs!);
        idle.push(p.idlePct!);
        const rp = inChild('report', dir, s.instances);
        report.push(rp.ms!);
        cpu.report!.push(rp.cpu!);
        cli.push(inChild('report-cli', dir, s.instances).ms!);
      }
      cpu.rebuild = rebuildCpu;
      for (const [k, xs] of Object.entries(cpu)) r[`${k}Cpu`] = median(xs);
      Object.assign(r, { home: median(home), picker: median(picker), pickerOpen: median(pickerOpen), idle: median(idle), report: median(report), cli: median(cli) });
      results[s.label] = r;
      console.log(`${s.label}: ${JSON.stringify(Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Math.round(v * 10) / 10])))}  (load ${load()})`);
    }
  } finally {
    if (!values.keep) rmSync(base, { recursive: true, force: true });
  }
  const a = results['1/10']!;
  const b = results.full!;
  const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const cpuOf = (r: Record<string, number>, key: string) => (r[`${key}Cpu`] === undefined ? '' : ` (cpu ${sec(r[`${key}Cpu`]!)})`);
  const row = (name: string, key: string, target?: number) =>
    console.log(
      `${name.padEnd(44)} ${(sec(a[key]!) + cpuOf(a, key)).padStart(22)} ${(sec(b[key]!) + cpuOf(b, key)).padStart(22)} ${`x${(b[key]! / a[key]!).toFixed(1)}`.padStart(7)}   ${target === undefined ? '' : `wall ${b[key]! <= target ? 'PASS' : 'OVER'}, cpu ${(b[`${key}Cpu`] ?? Infinity) <= target ? 'PASS' : 'OVER'} (target <= ${sec(target)})`}`,
    );
  console.log('');
  console.log(`${'median of runs: wall (cpu of the process)'.padEnd(44)} ${`${a.rollouts} rollouts`.padStart(22)} ${`${b.rollouts} rollouts`.padStart(22)} ${'ratio'.padStart(7)}`);
  row('Home: list the sessions folder', 'home', 500);
  row('picker: first frame (open, summaries, follow)', 'picker', 1000);
  row('  of which opening the session', 'pickerOpen');
  row('report (in process)', 'report', 1000);
  row('report (whole CLI process, with startup)', 'cli');
  row('index missing: rebuild + write it', 'rebuild');
  row('  baseline: read + parse every log whole', 'baseline');
  console.log(`${'picker open and idle: CPU, % of one core'.padEnd(44)} ${`${a.idle!.toFixed(1)}%`.padStart(22)} ${`${b.idle!.toFixed(1)}%`.padStart(22)}`);
  console.log(`load average at end ${load()} (2 cores shared)`);
}

await main();
