import { existsSync, readdirSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { readManifest } from './manifest.js';
import { assertSessionName } from '../util/identifiers.js';
import { openSession } from './store.js';

export const DEFAULT_SESSIONS_DIR = 'sessions';

export interface SessionListing {
  name: string;
  dir: string;
  created_at: string;
  updated_at: string;
  dataset: string;
  agent: string;
  total: number;
  done: number;
  resolved: number;
  infra_errors: number;
  cost_usd: number;
}

/** A session argument is a path to a session folder, or a name under the sessions dir. */
export function resolveSessionDir(session: string, sessionsDir = DEFAULT_SESSIONS_DIR): string {
  if (isAbsolute(session) || existsSync(join(session, 'manifest.json'))) return resolve(session);
  // Not a path to a session folder: a name, which must not climb out of (or nest inside) the sessions dir.
  assertSessionName(session, 'session');
  const dir = resolve(sessionsDir, session);
  if (!existsSync(join(dir, 'manifest.json'))) throw new Error(`no session '${session}' in ${resolve(sessionsDir)} (no manifest.json at ${dir})`);
  return dir;
}

export function listSessions(sessionsDir = DEFAULT_SESSIONS_DIR): { sessions: SessionListing[]; errors: string[] } {
  const sessions: SessionListing[] = [];
  const errors: string[] = [];
  if (!existsSync(sessionsDir)) return { sessions, errors };
  for (const name of readdirSync(sessionsDir)) {
    const dir = join(sessionsDir, name);
    if (!statSync(dir).isDirectory() || !existsSync(join(dir, 'manifest.json'))) continue;
    try {
      const m = readManifest(dir);
      const r = openSession(dir);
      const rows = r.summaries();
      const attempts = r.attempts();
      sessions.push({
        name: m.name ?? name,
        dir,
        created_at: m.created_at,
        updated_at: m.updated_at,
        dataset: m.dataset.ref,
        agent: String(m.agent?.kind ?? '?') + (m.agent?.model ? `:${String(m.agent.model)}` : ''),
        total: rows.length,
        done: rows.filter((s) => s.status !== 'queued' && s.status !== 'running').length,
        resolved: rows.filter((s) => s.resolved).length,
        infra_errors: attempts.filter((s) => s.status === 'infra_error').length,
        cost_usd: attempts.reduce((a, s) => a + s.cost_usd, 0),
      });
    } catch (e) {
      errors.push((e as Error).message);
    }
  }
  sessions.sort((a, b) => a.created_at.localeCompare(b.created_at));
  return { sessions, errors };
}
