import type { RolloutEvent } from '../core/events.js';
import { formatEvent } from '../core/rollout/index.js';
import type { Backend } from './backend.js';
import { fmtCost, safe } from './text.js';

type Out = (line: string) => void;

/** The same events the workbench renders, as plain lines (for --plain, pipes, CI and multiplexers). */
export function printEvent(e: RolloutEvent, out: Out): void {
  const text = formatEvent(e);
  if (text !== undefined) out(text);
}

/** Plain mode: one session's rollouts as event lines (following it while it is written), or the home screen as text. */
export async function runPlain(backend: Backend, opts: { session?: string; follow?: boolean; idleMs?: number }, out: Out): Promise<number> {
  if (opts.session) {
    const reader = await backend.openSession(opts.session);
    const summaries = reader.summaries();
    for (const s of summaries) for (const e of await reader.events(s.rollout_id)) printEvent(e, out);
    // Queued rows are planned pairs that never started: only rollouts under way are followed.
    const running = summaries.filter((s) => s.status === 'running');
    if (opts.follow && running.length) {
      out(`-- following ${running.length} running rollout(s); Ctrl-C stops following`);
      await new Promise<void>((resolve) => {
        const pending = new Set(running.map((s) => s.rollout_id));
        // A writer that died leaves rollouts 'running' forever: stop after a long silence.
        let idle: NodeJS.Timeout;
        const done = () => {
          clearTimeout(idle);
          off();
          resolve();
        };
        const arm = () => {
          clearTimeout(idle);
          idle = setTimeout(() => {
            out(`-- no event for ${Math.round((opts.idleMs ?? 600_000) / 1000)}s; stopped following`);
            done();
          }, opts.idleMs ?? 600_000);
        };
        const off = reader.follow((e) => {
          printEvent(e, out);
          arm();
          if (e.type === 'rollout_ended') pending.delete(e.rollout);
          if (pending.size === 0) done();
        });
        arm();
        process.once('SIGINT', done);
      });
    }
    const done = summaries.filter((s) => s.verdict !== undefined);
    out(`== ${summaries.length} rollout(s), ${done.filter((s) => s.resolved).length}/${done.length} resolved, cost ${fmtCost(summaries.reduce((a, s) => a + s.cost_usd, 0))}`);
    return 0;
  }
  out(`swegym workbench (plain) · dataset ${safe(backend.datasetName)}`);
  if (backend.modelHint) out(backend.modelHint);
  const sessions = await backend.listSessions();
  out(`sessions (${sessions.length}):`);
  for (const s of sessions) out(`  ${safe(s.name)}  ${s.status}  ${s.resolved}/${s.done} resolved  ${fmtCost(s.costUsd)}  ${s.dir}`);
  const tasks = await backend.tasks();
  out(`instances (${tasks.length}):`);
  for (const t of tasks) out(`  ${safe(t.instance_id)}  ${safe(t.repo)}  v${safe(t.version)}  F2P ${t.FAIL_TO_PASS.length}  P2P ${t.PASS_TO_PASS.length}`);
  out(`agents: ${backend.agents().map((a) => `${a.id}${a.available ? '' : ' (unavailable)'}`).join(', ')}`);
  out('run one with: swegym run --dataset <dataset> --instance <id> --agent gold; open a session with --session <dir>');
  return 0;
}
