import { sanitize, type Progress, type ProgressStart } from '../../core/util/index.js';
import { LiveLines } from './live-lines.js';

/** Jobs long enough that a plain log shows their start and steps (a debootstrap base takes a minute). */
const LONG_KINDS = new Set<ProgressStart['kind']>(['base', 'env', 'repo', 'pull', 'prefetch']);

export function secs(ms: number): string {
  const s = ms / 1000;
  return s < 60 ? `${s.toFixed(1)} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

export function bar(n: number, total: number, width = 16): string {
  const fill = total > 0 ? Math.min(width, Math.round((n / total) * width)) : 0;
  return `[${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${n}/${total}`;
}

interface Job {
  start: ProgressStart;
  at: number;
  step?: string;
  n?: number;
  total?: number;
}

/**
 * How the CLI shows long work: on a terminal one live line per running job (what it is doing, n of m as a bar,
 * elapsed time) and one line when it ends; otherwise plain lines (a long job's start and steps, every job's end).
 * A job's raw output never shows here: its log file is named once, and on failure its last lines are printed.
 */
export function cliProgress(io: { write: (text: string) => void; isTTY: boolean; live?: LiveLines }): Progress {
  const jobs = new Map<string, Job>();
  const live = io.isTTY ? (io.live ?? new LiveLines(io.write)) : undefined;
  const plain = (line: string) => (live ? live.print(line) : io.write(`${sanitize(line)}\n`));
  const logsNamed = new Set<string>();
  const nameLog = (file?: string) => {
    if (!file) return '';
    const dir = file.replace(/\/[^/]*$/, '');
    if (logsNamed.has(dir)) return '';
    logsNamed.add(dir);
    return ` (build logs: ${dir}/)`;
  };
  const render = (j: Job) => () => {
    const total = j.total ?? j.start.total;
    const count = j.n !== undefined && total !== undefined ? ` ${bar(j.n, total)}` : '';
    return `… ${j.start.label}${count}${j.step ? `: ${j.step}` : ''}  ${secs(Date.now() - j.at)}`;
  };
  return {
    start(s) {
      const j: Job = { start: s, at: Date.now() };
      jobs.set(s.id, j);
      if (live) live.set(s.id, render(j));
      else if (LONG_KINDS.has(s.kind)) plain(`… ${s.label}${nameLog(s.logFile)}`);
      else nameLog(s.logFile);
    },
    update(id, u) {
      const j = jobs.get(id);
      if (!j) return;
      const changed = u.step !== j.step;
      j.step = u.step;
      if (u.n !== undefined) j.n = u.n;
      if (u.total !== undefined) j.total = u.total;
      if (live) live.set(id, render(j));
      else if (changed && LONG_KINDS.has(j.start.kind)) {
        const total = j.total ?? j.start.total;
        plain(`  ${j.start.label}${j.n !== undefined && total !== undefined ? ` [${j.n}/${total}]` : ''}: ${u.step}`);
      }
    },
    done(id, d) {
      const j = jobs.get(id);
      jobs.delete(id);
      live?.delete(id);
      const label = j?.start.label ?? id;
      const took = j ? ` (${secs(Date.now() - j.at)})` : '';
      plain(`${d.ok ? '✓' : '✗'} ${label}${d.summary ? `: ${d.summary}` : ''}${took}${d.ok ? nameLog(d.logFile ?? j?.start.logFile) : ''}`);
      if (!d.ok) {
        for (const l of d.tail ?? []) plain(`    ${l}`);
        const log = d.logFile ?? j?.start.logFile;
        if (log) plain(`    full log: ${log}`);
      }
    },
    note(text) {
      plain(text);
    },
  };
}
