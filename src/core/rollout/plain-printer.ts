import type { RolloutEvent } from '../events.js';
import { sanitize } from '../util/sanitize.js';
import { describeMoatlessEvent } from '../agent/moatless/describe.js';

/**
 * One rollout event as plain text lines for a terminal or a log (no colours). Everything that came from the
 * container, the model or the dataset goes through the sanitiser. Returns undefined for events not worth a line
 * (streaming deltas, live output chunks: the tool's end shows its observation).
 */
export function formatEvent(e: RolloutEvent, opts: { maxObservationLines?: number } = {}): string | undefined {
  const maxLines = opts.maxObservationLines ?? 20;
  switch (e.type) {
    case 'rollout_started':
      return `== rollout ${e.rollout}: ${clean(e.instance_id)} (agent ${e.agent.kind}${e.agent.model ? ` ${clean(e.agent.model)}` : ''}, sample ${e.sample})`;
    case 'env_starting':
      return `-- starting environment ${clean(e.image)}`;
    case 'env_ready':
      return `-- environment ready: ${e.container_id.slice(0, 12)} in ${ms(e.duration_ms)}, repo at ${e.repo_dir}`;
    case 'model_request':
      return `.. turn ${e.turn}: model request (${e.total_messages} messages${e.history_reset ? ', history reset' : ''})`;
    case 'model_delta':
      return undefined;
    case 'model_response': {
      const text = e.content ? indent(clip(clean(e.content), maxLines)) : '';
      return `.. turn ${e.turn}: model replied in ${ms(e.latency_ms)} (${e.usage.prompt_tokens}+${e.usage.completion_tokens} tokens${e.usage.estimated ? ', estimated' : ''})${text ? '\n' + text : ''}`;
    }
    case 'model_retry':
      return `!! turn ${e.turn}: retry ${e.attempt} in ${ms(e.delay_ms)}${e.status ? ` (HTTP ${e.status})` : ''}: ${clean(e.error)}`;
    case 'tool_start':
      return `>> [${e.step}] ${e.tool} ${describeArgs(e.tool, e.args)}`;
    case 'tool_output':
      return undefined;
    case 'tool_end': {
      const flags = [e.is_error ? 'error' : '', e.timed_out ? 'timed out' : '', e.truncated ? 'truncated' : ''].filter(Boolean).join(', ');
      const head = `<< [${e.step}] ${e.tool}${e.exit_code !== undefined ? ` exit ${e.exit_code}` : ''} in ${ms(e.duration_ms)}${flags ? ` (${flags})` : ''}`;
      return e.observation ? `${head}\n${indent(clip(clean(e.observation), maxLines))}` : head;
    }
    case 'patch_updated':
      return `-- patch: ${e.files.length} file(s)${e.files.length ? ': ' + e.files.map(clean).join(', ') : ''}`;
    case 'agent_stopped':
      return `== agent stopped: ${e.reason} after ${e.turns} turn(s)${e.message ? ` - ${clean(e.message)}` : ''}; tokens ${e.usage.prompt_tokens}+${e.usage.completion_tokens}${e.usage.estimated ? ' (estimated)' : ''}, cost $${e.cost_usd.toFixed(4)}`;
    case 'verification_started':
      return `-- verifying (profile ${e.profile})`;
    case 'verification_verdict': {
      const v = e.verdict;
      return `== verdict: ${v.status}${v.resolution ? ` (${v.resolution})` : ''}${v.reason ? ` - ${clean(v.reason)}` : ''}`;
    }
    case 'verifier_score':
      return `-- verifier ${clean(e.verifier)}: ${e.score.toFixed(3)}`;
    case 'rollout_ended':
      return `== rollout ended: ${e.status}${e.error ? ` - ${clean(e.error)}` : ''} (${ms(e.duration_ms)})`;
    case 'log':
      return `${e.level === 'error' || e.level === 'warn' ? '!!' : '--'} ${clean(e.message)}`;
    case 'moatless_setup':
    case 'moatless_transition':
    case 'moatless_action':
    case 'moatless_search':
    case 'moatless_spans':
    case 'moatless_plan':
    case 'moatless_edit':
    case 'moatless_prompt_log': {
      const text = describeMoatlessEvent(e);
      return text === undefined ? undefined : `~~ ${text}`;
    }
  }
}

function describeArgs(tool: string, args: Record<string, unknown>): string {
  if (tool === 'execute_bash') return `$ ${clean(String(args.command ?? ''))}`;
  if (tool === 'str_replace_editor') {
    const extra = args.view_range ? ` ${JSON.stringify(args.view_range)}` : args.insert_line !== undefined ? ` after line ${args.insert_line}` : '';
    return `${clean(String(args.command ?? ''))} ${clean(String(args.path ?? ''))}${extra}`;
  }
  const s = JSON.stringify(args);
  return s === '{}' ? '' : clean(s.length > 200 ? s.slice(0, 200) + '...' : s);
}

function clean(s: string): string {
  return sanitize(s);
}

function clip(s: string, maxLines: number): string {
  const lines = s.replace(/\n+$/, '').split('\n');
  if (lines.length <= maxLines) return lines.join('\n');
  const head = Math.ceil(maxLines / 2);
  const tail = maxLines - head;
  return [...lines.slice(0, head), `... (${lines.length - maxLines} more lines)`, ...lines.slice(lines.length - tail)].join('\n');
}

function indent(s: string): string {
  return s
    .split('\n')
    .map((l) => '   ' + l)
    .join('\n');
}

function ms(n: number): string {
  return n < 1000 ? `${Math.round(n)} ms` : `${(n / 1000).toFixed(1)} s`;
}
