import type { SchedulerSnapshot } from './types.js';

function dur(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '?';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

function tok(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : String(n);
}

/** One plain progress line (no colour, no cursor movement): for logs, CI and stdout that is not a TTY. */
export function formatProgressLine(s: SchedulerSnapshot, now = new Date()): string {
  const parts = [
    `[${now.toISOString().slice(11, 19)}] ${s.state}`,
    `done ${s.done}/${s.total} running ${s.running} queued ${s.queued}`,
    `resolved ${s.resolved}`,
    `${s.throughput_per_min.toFixed(1)}/min ETA ${dur(s.eta_ms)}`,
    `tokens ${tok(s.tokens)} $${s.cost_usd.toFixed(4)}` + (s.projected_cost_usd !== undefined ? ` (proj $${s.projected_cost_usd.toFixed(4)})` : '') + (s.budget_usd !== undefined ? ` of $${s.budget_usd}` : ''),
    `infra ${s.infra_failures} retries ${s.retries}`,
  ];
  const limited = s.endpoints.filter((e) => e.max < Number.MAX_SAFE_INTEGER);
  if (limited.length) parts.push(limited.map((e) => `${e.url} ${e.in_flight}/${e.max}`).join(' '));
  if (s.stalled.length) parts.push(`STALLED ${s.stalled.join(',')}`);
  return parts.join(' | ');
}

/**
 * Prints a line when something changed, at most every `everyMs` (and a final line), so a log of a long batch stays
 * readable. Returns a function that prints the last state and stops.
 */
export function plainProgress(subscribe: (cb: (s: SchedulerSnapshot) => void) => () => void, write: (line: string) => void, everyMs = 2000): (final?: SchedulerSnapshot) => void {
  let last = '';
  let lastAt = 0;
  let latest: SchedulerSnapshot | undefined;
  const key = (s: SchedulerSnapshot) => `${s.state}${s.done}${s.running}${s.queued}${s.resolved}${s.stalled.join()}${s.infra_failures}`;
  const unsub = subscribe((s) => {
    latest = s;
    const k = key(s);
    if (k !== last && Date.now() - lastAt >= everyMs) {
      last = k;
      lastAt = Date.now();
      write(formatProgressLine(s));
    }
  });
  return (final) => {
    unsub();
    const s = final ?? latest;
    if (s && key(s) !== last) write(formatProgressLine(s));
  };
}

/** The live status line for a terminal: a bar and the main figures, cut to the terminal's width. */
export function formatStatusLine(s: SchedulerSnapshot, width = 80): string {
  const barWidth = Math.max(8, Math.min(24, width - 60));
  const filled = s.total > 0 ? Math.round((s.done / s.total) * barWidth) : 0;
  const bar = `[${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}]`;
  const parts = [
    `${bar} ${s.done}/${s.total}`,
    `${s.running} running`,
    `${s.queued} queued`,
    `${s.resolved} resolved`,
    `${s.throughput_per_min.toFixed(1)}/min`,
    `ETA ${dur(s.eta_ms)}`,
    `${tok(s.tokens)} tok $${s.cost_usd.toFixed(2)}` + (s.projected_cost_usd !== undefined ? ` (proj $${s.projected_cost_usd.toFixed(2)})` : ''),
  ];
  if (s.infra_failures) parts.push(`${s.infra_failures} infra`);
  if (s.stalled.length) parts.push(`${s.stalled.length} STALLED`);
  if (s.state !== 'running') parts.unshift(s.state.toUpperCase());
  const line = parts.join(' · ');
  // Code points, not UTF-16 units: the separator is one column.
  const chars = [...line];
  return chars.length > width - 1 ? chars.slice(0, width - 2).join('') + '…' : line;
}

export interface StatusLine {
  /** Redraws the line (at most every `everyMs`). */
  update(s: SchedulerSnapshot): void;
  /** Prints a log line above the status line. */
  above(print: () => void): void;
  /** Clears the line for good. */
  close(): void;
}

/**
 * One status line redrawn in place (carriage return + erase line, no cursor movement up), so it survives resizes and
 * SSH; log lines are printed above it by clearing it first and redrawing it after.
 */
export function ttyStatusLine(stream: { write(s: string): unknown; columns?: number }, everyMs = 250): StatusLine {
  let latest: SchedulerSnapshot | undefined;
  let shown = '';
  let lastAt = 0;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const draw = () => {
    if (closed || !latest) return;
    lastAt = Date.now();
    shown = formatStatusLine(latest, stream.columns ?? 80);
    stream.write(`\r\x1b[2K${shown}`);
  };
  const clear = () => {
    if (shown) stream.write('\r\x1b[2K');
    shown = '';
  };
  return {
    update(s) {
      latest = s;
      const wait = everyMs - (Date.now() - lastAt);
      if (wait <= 0) draw();
      else timer ??= setTimeout(() => ((timer = undefined), draw()), wait);
    },
    above(print) {
      const had = shown !== '';
      clear();
      print();
      if (had) draw();
    },
    close() {
      if (timer) clearTimeout(timer);
      clear();
      closed = true;
    },
  };
}
