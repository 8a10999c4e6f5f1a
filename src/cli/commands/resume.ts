import { loadTasks } from '../../core/dataset/index.js';
import { SessionWriter, openSession, acquireSessionLock, resolveSessionDir } from '../../core/session/index.js';
import { planResume, executeSession, sessionPreflight, loadBatchConfig, type BatchSettings, type ExecuteIO } from '../../core/scheduler/index.js';
import { sanitize } from '../../core/util/index.js';

export interface ResumeOptions {
  session: string;
  retryFailed?: boolean;
  concurrency?: number;
  sessionsDir?: string;
  noRemoteControl?: boolean;
  io?: Partial<ExecuteIO>;
}

export async function resumeCommand(opts: ResumeOptions): Promise<number> {
  const out = opts.io?.out ?? ((l: string) => console.log(sanitize(l)));
  const err = opts.io?.err ?? ((l: string) => console.error(sanitize(l)));
  const dir = resolveSessionDir(opts.session, opts.sessionsDir);
  try {
    loadBatchConfig();
  } catch (e) {
    err(`swegym resume: ${(e as Error).message}`);
    return 2;
  }
  const unlock = acquireSessionLock(dir);
  const writer = SessionWriter.open(dir);
  try {
    const m = writer.manifest;
    const settings = { ...(m.scheduler as unknown as BatchSettings) };
    if (opts.concurrency) settings.concurrency = opts.concurrency;
    const loaded = await loadTasks(m.dataset.ref, { ids: m.dataset.instance_ids });
    if (m.dataset.sha256 && loaded.source.sha256 !== m.dataset.sha256) {
      err(`warning: dataset '${m.dataset.ref}' changed since the session was created (sha256 ${loaded.source.sha256.slice(0, 12)} != ${m.dataset.sha256.slice(0, 12)})`);
    }
    const plan = planResume(openSession(dir), loaded.tasks, { retryFailed: opts.retryFailed });
    // The environments still needed are checked as a new batch's are (exit 2 before anything runs).
    const gaps = await sessionPreflight(plan.items.map((i) => i.task), settings, { say: err });
    if (gaps) {
      err(`swegym resume: ${gaps}`);
      return 2;
    }
    out(
      `Session ${m.name}: ${plan.finished} finished (kept), ${plan.restarted} interrupted (start over in a fresh environment), ` +
        `${plan.items.length - plan.restarted - plan.failed_retried} not started, ` +
        (opts.retryFailed ? `${plan.failed_retried} failed (re-run).` : `${plan.failed_kept} failed (kept; --retry-failed re-runs them).`),
    );
    const res = await executeSession(writer, plan.items, settings, { out, err, signals: true, remoteControl: !opts.noRemoteControl, ...opts.io }, plan.previous);
    if (res.fatal) {
      err(`swegym resume: stopped: ${res.fatal}`);
      err(`Nothing was recorded as a result for it. Fix that, then continue with: swegym resume ${m.name}`);
      return 1;
    }
    out(res.state === 'done' ? `Done. Report: swegym report ${m.name}` : `Stopped${res.reason ? ` (${res.reason})` : ''}. Continue with: swegym resume ${m.name}`);
    return res.state === 'done' ? 0 : 3;
  } finally {
    writer.close();
    unlock();
  }
}
