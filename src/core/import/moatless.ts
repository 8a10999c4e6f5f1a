/**
 * `swegym import --format moatless`: what SWE-Gym/Moatless-Agent-Fork wrote for an evaluation
 * (moatless/benchmark/evaluation.py, moatless/loop.py `_log_prompt`):
 *
 *   <eval dir>/trajs/<instance_id>.json           {name, initial_message, transitions[{name, state, actions[...]}], info}
 *   <eval dir>/prompt_logs/<instance_id>/NN_State.json   {messages, completion: [choices[0].message] | null, error}
 *   <eval dir>/preds.swebench_eval.jsonl          (optional) the grader's output: test_result.report.resolved
 *   <eval dir>/args.json                          (optional) the run's arguments (model, temperature)
 *
 * The path is the evaluation folder or one `trajs/<id>.json` (its prompt logs are then looked up beside `trajs/`).
 * Each logged call becomes a model request/response pair with its prompt-log marker, so `export sft --format moatless`
 * gives back the fork's own examples; the transitions become moatless_transition / moatless_action events.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { ChatMessage, StopReason } from '../events.js';
import { readJsonFile, readText } from './read.js';
import { ImportError, Reader, ROLES, type ImportedRollout, type MoatlessImport } from './types.js';

const ACTION_NAMES: Record<string, string> = {
  SearchCode: 'Search',
  IdentifyCode: 'Identify',
  DecideRelevance: 'Decision',
  PlanToCode: 'ApplyChange',
  ClarifyCodeChange: 'LineNumberClarification',
  EditCode: 'Content',
};

function resolvedFlags(evalDir: string): Map<string, boolean> {
  const out = new Map<string, boolean>();
  const file = join(evalDir, 'preds.swebench_eval.jsonl');
  if (!existsSync(file)) return out;
  readText(file)
    .split('\n')
    .forEach((line, i) => {
      if (!line.trim()) return;
      const r = new Reader(file, i + 1);
      let row: unknown;
      try {
        row = JSON.parse(line);
      } catch (e) {
        r.fail('(line)', `is not JSON (${(e as Error).message})`);
      }
      const o = r.obj(row, '(line)');
      const id = r.str(o.instance_id, 'instance_id');
      const report = r.obj(r.obj(o.test_result, 'test_result').report, 'test_result.report');
      const resolved = r.optBool(report.resolved, 'test_result.report.resolved');
      if (resolved !== undefined) out.set(id, resolved);
    });
  return out;
}

function readCalls(dir: string): MoatlessImport['calls'] {
  if (!existsSync(dir)) return [];
  const calls: MoatlessImport['calls'] = [];
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.json')).sort()) {
    const file = join(dir, name);
    const m = /^(\d+)_(\w+)\.json$/.exec(name);
    if (!m) throw new ImportError(file, undefined, '(file name)', 'must be <NN>_<State>.json, as the fork names its prompt logs');
    const r = new Reader(file);
    const o = r.obj(readJsonFile(file), '(file)');
    const messages = r.arr(o.messages, 'messages').map((raw, i): ChatMessage => {
      const msg = r.obj(raw, `messages[${i}]`);
      const role = r.str(msg.role, `messages[${i}].role`);
      if (!ROLES.has(role)) r.fail(`messages[${i}].role`, `must be system, user, assistant or tool (got ${JSON.stringify(role)})`);
      return { role: role as ChatMessage['role'], content: r.content(msg.content, `messages[${i}].content`) };
    });
    let completion: string | null = null;
    if (o.completion !== null && o.completion !== undefined) {
      const list = r.arr(o.completion, 'completion');
      if (list.length) completion = r.content(r.obj(list[0], 'completion[0]').content, 'completion[0].content');
    }
    calls.push({ transition: Number(m[1]), state: m[2]!, messages, completion, error: r.optStr(o.error, 'error') ?? null });
  }
  return calls;
}

function readTrajectory(file: string, evalDir: string, resolved: Map<string, boolean>, model: string | undefined): ImportedRollout {
  const r = new Reader(file);
  const o = r.obj(readJsonFile(file), '(file)');
  const info = o.info === undefined ? {} : r.obj(o.info, 'info');
  const instance_id = r.optStr(info.instance_id, 'info.instance_id') ?? basename(file, '.json');
  const transitions = r.arr(o.transitions ?? [], 'transitions').map((raw, i) => {
    const t = r.obj(raw, `transitions[${i}]`);
    const name = r.str(t.name, `transitions[${i}].name`);
    const state = t.state === undefined || t.state === null ? {} : r.obj(t.state, `transitions[${i}].state`);
    const actions = r.arr(t.actions ?? [], `transitions[${i}].actions`).map((a, j) => {
      const act = r.obj(a, `transitions[${i}].actions[${j}]`);
      const body = r.obj(act.action, `transitions[${i}].actions[${j}].action`);
      return {
        action_name: name === 'EditCode' ? 'Content' : (ACTION_NAMES[name] ?? 'Action'),
        action: name === 'EditCode' && typeof body.content === 'string' ? body.content : body,
        retry_message: r.optStr(act.retry_message, `transitions[${i}].actions[${j}].retry_message`),
        cost: typeof act.completion_cost === 'number' ? act.completion_cost : 0,
        input_tokens: typeof act.input_tokens === 'number' ? act.input_tokens : 0,
        output_tokens: typeof act.output_tokens === 'number' ? act.output_tokens : 0,
      };
    });
    return { name, message: typeof state.message === 'string' ? state.message : undefined, actions };
  });
  const status = r.optStr(info.status, 'info.status');
  const last = transitions[transitions.length - 1];
  const reason: StopReason = status === 'error' ? 'error' : status === 'finished' || status === 'rejected' ? 'finished' : 'error';
  const message = status === 'error' ? String(info.error ?? 'error') : `${status ?? 'unknown'}${last?.message ? `: ${last.message}` : ''}`;
  const actions = transitions.flatMap((t) => t.actions);
  const calls = readCalls(join(evalDir, 'prompt_logs', instance_id));
  return {
    instance_id,
    messages: [],
    patch: r.optStr(info.submission, 'info.submission') ?? '',
    ...(model ? { model } : {}),
    stop: { reason, message },
    ...(resolved.has(instance_id) ? { resolved: resolved.get(instance_id) } : {}),
    cost_usd: typeof info.total_cost === 'number' ? info.total_cost : actions.reduce((a, x) => a + x.cost, 0),
    prompt_tokens: actions.reduce((a, x) => a + x.input_tokens, 0),
    completion_tokens: actions.reduce((a, x) => a + x.output_tokens, 0),
    source: { file },
    moatless: { transitions, calls, issue: typeof o.initial_message === 'string' ? o.initial_message : undefined },
  };
}

export function readMoatless(path: string): ImportedRollout[] {
  const isDir = statSync(path).isDirectory();
  const evalDir = isDir ? path : dirname(dirname(path));
  const trajFiles = isDir
    ? existsSync(join(path, 'trajs'))
      ? readdirSync(join(path, 'trajs'))
          .filter((n) => n.endsWith('.json'))
          .sort()
          .map((n) => join(path, 'trajs', n))
      : []
    : [path];
  if (!trajFiles.length) throw new ImportError(path, undefined, 'trajs', 'has no <instance_id>.json: give the evaluation folder of the Moatless fork or one trajs/<id>.json');
  const resolved = resolvedFlags(evalDir);
  let model: string | undefined;
  const argsFile = join(evalDir, 'args.json');
  if (existsSync(argsFile)) {
    const a = new Reader(argsFile).obj(readJsonFile(argsFile), '(file)');
    if (typeof a.model === 'string') model = a.model;
  }
  return trajFiles.map((f) => readTrajectory(f, evalDir, resolved, model));
}
