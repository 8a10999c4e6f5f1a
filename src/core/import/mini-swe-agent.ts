import { basename } from 'node:path';
import type { ChatMessage, StopReason } from '../events.js';
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

/** The command that ends a mini-swe-agent run: v2's marker, and v1's. */
const SUBMIT_MARKERS = ['COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT', 'MINI_SWE_AGENT_FINAL_OUTPUT'];

/**
 * v2 (`mini-swe-agent-1.1`) closes a run with a message of role `exit` whose `extra` holds the exit status and the
 * submission; it is bookkeeping, not part of the conversation, so it is taken out of the messages.
 */
function splitExitMessages(list: unknown[]): { messages: unknown[]; exit?: { status?: string; submission?: string } } {
  let exit: { status?: string; submission?: string } | undefined;
  const messages = list.filter((m) => {
    if (!m || typeof m !== 'object' || (m as { role?: unknown }).role !== 'exit') return true;
    const extra = ((m as { extra?: unknown }).extra ?? {}) as Record<string, unknown>;
    exit = {
      status: typeof extra.exit_status === 'string' ? extra.exit_status : undefined,
      submission: typeof extra.submission === 'string' ? extra.submission : undefined,
    };
    return false;
  });
  return { messages, exit };
}

/** Parquet/JSON exports sometimes hold the message list as a JSON string. */
function parseIfString(r: Reader, v: unknown, field: string): unknown {
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v) as unknown;
  } catch {
    return r.fail(field, 'is a string that is not a JSON list of messages');
  }
}

/**
 * A bare message list (how mini-swe-agent's own test trajectories are stored) has no `info`: the run was submitted
 * when the last command was the submit marker, and the submission is the output that answered it.
 */
function submissionFromMessages(messages: ChatMessage[]): { status?: string; submission: string } {
  const lastAssistant = messages.map((m) => m.role).lastIndexOf('assistant');
  const said = lastAssistant >= 0 ? (messages[lastAssistant]!.content ?? '') : '';
  if (!SUBMIT_MARKERS.some((m) => said.includes(m))) return { submission: '' };
  const answer = messages.slice(lastAssistant + 1).find((m) => m.role === 'user' || m.role === 'tool');
  return { status: 'Submitted', submission: answer?.content ?? '' };
}

/**
 * A mini-swe-agent trajectory (`<instance_id>.traj.json`), in every form the tool has written:
 * - a bare list of chat messages (its own `tests/test_data/*.traj.json`);
 * - v1 (`trajectory_format` "mini-swe-agent-1"): `info` {exit_status, submission, model_stats, mini_version, config},
 *   `messages`, and `instance_id` in batch runs;
 * - v2 ("mini-swe-agent-1.1"): the same, messages carrying `extra`, native tool calls (`tool_calls`, role `tool`),
 *   and an `exit` message.
 * The instance id comes from the document when it has one, else from the file name.
 */
export function readMiniSweAgent(file: string): ImportedRollout[] {
  const r = new Reader(file);
  const raw = readJsonFile(file);
  const fromName = basename(file).replace(/\.traj(\.json)?$|\.json$/, '');
  if (Array.isArray(raw)) {
    const { messages: list, exit } = splitExitMessages(raw);
    const messages = chatMessages(r, list, '(file)');
    const derived = exit?.submission !== undefined ? { status: exit.status, submission: exit.submission } : submissionFromMessages(messages);
    return [{ instance_id: fromName, messages, patch: derived.submission, stop: miniStop(exit?.status ?? derived.status), source: { file } }];
  }
  const doc = r.obj(raw, '(file)');
  if (doc.trajectory_format !== undefined && !/^mini-swe-agent/.test(String(doc.trajectory_format))) {
    r.fail('trajectory_format', `is ${JSON.stringify(doc.trajectory_format)}, not a mini-swe-agent format`);
  }
  const info = doc.info === undefined ? {} : r.obj(doc.info, 'info');
  const { messages: list, exit } = splitExitMessages(r.arr(parseIfString(r, doc.messages, 'messages'), 'messages'));
  const messages = chatMessages(r, list, 'messages');
  const submission = info.submission ?? exit?.submission;
  const patch = submission === null || submission === undefined ? '' : r.str(submission, 'info.submission');
  const stats = info.model_stats && typeof info.model_stats === 'object' ? (info.model_stats as Record<string, unknown>) : {};
  const config = info.config && typeof info.config === 'object' ? (info.config as Record<string, any>) : {};
  const instance_id = typeof doc.instance_id === 'string' && doc.instance_id ? doc.instance_id : fromName;
  return [
    {
      instance_id,
      messages,
      patch,
      model: typeof config.model?.model_name === 'string' ? config.model.model_name : undefined,
      stop: miniStop(r.optStr(info.exit_status, 'info.exit_status') ?? exit?.status),
      cost_usd: typeof stats.instance_cost === 'number' ? stats.instance_cost : undefined,
      source: { file },
    },
  ];
}
