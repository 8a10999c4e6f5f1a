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
