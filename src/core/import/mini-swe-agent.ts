import { basename } from 'node:path';
import type { StopReason } from '../events.js';
import { readJsonFile } from './read.js';
import { chatMessages } from './swegym.js';
import { Reader, type ImportedRollout } from './types.js';

/** mini-swe-agent exit statuses: `Submitted`, `LimitsExceeded`, `FormatError`, `TimeoutError`, exception names. */
export function miniStop(status: string | undefined): { reason: StopReason; message: string } {
  const message = status ? `exit status: ${status}` : 'no exit status recorded';
  if (status === 'Submitted') return { reason: 'finished', message };
  if (status === 'LimitsExceeded') return { reason: 'max_turns', message };
  if (status && /Timeout/i.test(status)) return { reason: 'wall_clock', message };
  if (status && /ContextWindow/i.test(status)) return { reason: 'context_window', message };
  return { reason: 'error', message };
}

/**
 * A mini-swe-agent trajectory (`<instance_id>.traj.json`, minisweagent/run/utils/save.py `save_traj`):
 * `info` {exit_status, submission, model_stats, mini_version, config}, `messages`, `trajectory_format`
 * ("mini-swe-agent-1"), and `instance_id` in batch runs (else the file name).
 */
export function readMiniSweAgent(file: string): ImportedRollout[] {
  const r = new Reader(file);
  const doc = r.obj(readJsonFile(file), '(file)');
  if (doc.trajectory_format !== undefined && !/^mini-swe-agent/.test(String(doc.trajectory_format))) {
    r.fail('trajectory_format', `is ${JSON.stringify(doc.trajectory_format)}, not a mini-swe-agent format`);
  }
  const info = r.obj(doc.info, 'info');
  const messages = chatMessages(r, doc.messages, 'messages');
  const submission = info.submission;
  const patch = submission === null || submission === undefined ? '' : r.str(submission, 'info.submission');
  const stats = info.model_stats && typeof info.model_stats === 'object' ? (info.model_stats as Record<string, unknown>) : {};
  const config = info.config && typeof info.config === 'object' ? (info.config as Record<string, any>) : {};
  const instance_id = typeof doc.instance_id === 'string' ? doc.instance_id : basename(file).replace(/\.traj(\.json)?$|\.json$/, '');
  return [
    {
      instance_id,
      messages,
      patch,
      model: typeof config.model?.model_name === 'string' ? config.model.model_name : undefined,
      stop: miniStop(r.optStr(info.exit_status, 'info.exit_status')),
      cost_usd: typeof stats.instance_cost === 'number' ? stats.instance_cost : undefined,
      source: { file },
    },
  ];
}
