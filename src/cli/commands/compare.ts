import { openSession, resolveSessionDir, type RolloutSummary } from '../../core/session/index.js';
import { sanitize } from '../../core/util/index.js';
import { table } from './sessions.js';

export interface CompareOptions {
  a: string;
  b: string;
  json?: boolean;
  sessionsDir?: string;
  out?: (line: string) => void;
}

export interface CompareRow {
  instance_id: string;
  /** Per session: one cell per sample, e.g. "resolved", "unresolved", "infra_error", "-" (not run). */
  cells: [string[], string[]];
  resolved: [number, number];
  differs: boolean;
}

function cell(r: RolloutSummary | undefined): string {
  if (!r || r.status === 'queued') return '-';
  if (r.status === 'completed') return r.verdict ?? 'completed';
  return r.status;
}

/** Instances x sessions verdict matrix; instances whose outcomes differ come first. */
export function compareSessions(dirA: string, dirB: string): { a: string; b: string; rows: CompareRow[] } {
  const ra = openSession(dirA);
  const rb = openSession(dirB);
  const ids = [...new Set([...ra.manifest().dataset.instance_ids, ...rb.manifest().dataset.instance_ids])];
  const group = (rows: RolloutSummary[]) => {
    const m = new Map<string, RolloutSummary[]>();
    for (const r of rows) m.set(r.instance_id, [...(m.get(r.instance_id) ?? []), r]);
    return m;
  };
  const ga = group(ra.summaries());
  const gb = group(rb.summaries());
  const rows = ids.map((id) => {
    const la = (ga.get(id) ?? []).sort((x, y) => x.sample - y.sample);
    const lb = (gb.get(id) ?? []).sort((x, y) => x.sample - y.sample);
    const ca = la.map(cell);
    const cb = lb.map(cell);
    const resolved: [number, number] = [la.filter((r) => r.resolved).length, lb.filter((r) => r.resolved).length];
    return { instance_id: id, cells: [ca, cb] as [string[], string[]], resolved, differs: ca.join() !== cb.join() };
  });
  rows.sort((x, y) => Number(y.differs) - Number(x.differs) || x.instance_id.localeCompare(y.instance_id));
  return { a: ra.manifest().name, b: rb.manifest().name, rows };
}

export async function compareCommand(opts: CompareOptions): Promise<number> {
  const out = opts.out ?? ((l: string) => console.log(l));
  const res = compareSessions(resolveSessionDir(opts.a, opts.sessionsDir), resolveSessionDir(opts.b, opts.sessionsDir));
  if (opts.json) {
    out(JSON.stringify(res, null, 2));
    return 0;
  }
  const short = (s: string) => ({ resolved: 'R', unresolved: 'u', empty_patch: 'e', patch_apply_failed: 'p', timeout: 't', error: 'E', image_error: 'i', infra_error: 'X', no_image: 'N', interrupted: '!', running: '~', completed: 'c' })[s] ?? s;
  out(table([
    ['', 'INSTANCE', sanitize(res.a), sanitize(res.b)],
    ...res.rows.map((r) => [r.differs ? '*' : ' ', sanitize(r.instance_id), `${r.cells[0].map(short).join('')} (${r.resolved[0]})`, `${r.cells[1].map(short).join('')} (${r.resolved[1]})`]),
  ]));
  const d = res.rows.filter((r) => r.differs).length;
  out(`\n${d} of ${res.rows.length} instance(s) differ.  R resolved, u unresolved, e empty patch, p patch apply failed, t timeout, E error, X infra error, N no image, ! interrupted, - not run`);
  return 0;
}
