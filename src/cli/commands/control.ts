import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { resolveSessionDir } from '../../core/session/index.js';
import { controlSession, type ControlAction } from '../../core/scheduler/index.js';
import { sanitize } from '../../core/util/index.js';

export interface ControlOptions {
  session: string;
  action: string;
  rollout?: string;
  /** Seconds to wait for the acknowledgement. */
  timeout?: number;
  json?: boolean;
  sessionsDir?: string;
  out?: (line: string) => void;
  err?: (line: string) => void;
}

const ACTIONS: Record<string, ControlAction> = { pause: 'pause', resume: 'resume', stop: 'stop', 'stop-now': 'stop_now', stop_now: 'stop_now', kill: 'kill', retry: 'retry' };

/**
 * `swegym control <session> <action> [rollout]`: steers a batch another process runs, through the session's
 * control.jsonl. Exit codes: 0 applied, 1 refused (or the process does not accept control), 2 bad input, 3 no live
 * process answered.
 */
export async function controlCommand(opts: ControlOptions): Promise<number> {
  const out = opts.out ?? ((l: string) => console.log(sanitize(l)));
  const err = opts.err ?? ((l: string) => console.error(sanitize(l)));
  const action = ACTIONS[opts.action];
  if (!action) return bad(err, `unknown action '${opts.action}': one of pause, resume, stop, stop-now, kill <rollout>, retry <rollout>`);
  const needsRollout = action === 'kill' || action === 'retry';
  if (needsRollout && !opts.rollout) return bad(err, `${opts.action} needs the rollout id (see 'swegym show <session>' or the dashboard)`);
  if (!needsRollout && opts.rollout) return bad(err, `${opts.action} takes no rollout (got '${opts.rollout}')`);
  const timeout = opts.timeout ?? 10;
  if (!(timeout > 0)) return bad(err, `--timeout must be a positive number of seconds (got ${timeout})`);
  let dir: string;
  try {
    dir = resolveSessionDir(opts.session, opts.sessionsDir);
    if (!existsSync(join(dir, 'manifest.json'))) throw new Error(`${dir} is not a session (no manifest.json)`);
  } catch (e) {
    return bad(err, (e as Error).message);
  }
  const r = await controlSession(dir, action, opts.rollout, { timeoutMs: timeout * 1000, from: `swegym control pid ${process.pid}` });
  if (opts.json) out(JSON.stringify(r.kind === 'ack' ? { ok: r.ack.ok, message: r.ack.message, pid: r.ack.pid, id: r.ack.ack } : { ok: false, answered: false, reason: r.reason, kind: r.kind }));
  if (r.kind === 'ack') {
    if (!opts.json) (r.ack.ok ? out : err)(`${opts.action}${opts.rollout ? ` ${opts.rollout}` : ''}: ${r.ack.ok ? 'ok' : 'refused'} (pid ${r.ack.pid}): ${r.ack.message}`);
    return r.ack.ok ? 0 : 1;
  }
  if (!opts.json) err(`swegym control: ${r.reason}`);
  return r.kind === 'disabled' ? 1 : 3;
}

function bad(err: (l: string) => void, msg: string): number {
  err(`swegym control: ${msg}`);
  return 2;
}
