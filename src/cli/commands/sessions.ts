import { resolve } from 'node:path';
import { DEFAULT_SESSIONS_DIR, listSessions } from '../../core/session/index.js';
import { sanitize } from '../../core/util/index.js';

export interface SessionsOptions {
  sessionsDir?: string;
  json?: boolean;
  out?: (line: string) => void;
}

export async function sessionsCommand(opts: SessionsOptions): Promise<number> {
  const out = opts.out ?? ((l: string) => console.log(l));
  const dir = opts.sessionsDir ?? DEFAULT_SESSIONS_DIR;
  const { sessions, errors } = listSessions(dir);
  for (const e of errors) console.error(sanitize(`warning: ${e}`));
  if (opts.json) {
    out(JSON.stringify(sessions, null, 2));
    return 0;
  }
  if (sessions.length === 0) {
    out(`No sessions in ${resolve(dir)}.`);
    return 0;
  }
  const rows = sessions.map((s) => [s.name, s.created_at.slice(0, 19).replace('T', ' '), s.agent, s.dataset, `${s.done}/${s.total}`, String(s.resolved), String(s.infra_errors), `$${s.cost_usd.toFixed(4)}`].map((c) => sanitize(c)));
  const head = ['SESSION', 'CREATED', 'AGENT', 'DATASET', 'DONE', 'RESOLVED', 'INFRA', 'COST'];
  out(table([head, ...rows]));
  return 0;
}

export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n');
}
