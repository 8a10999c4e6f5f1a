import type { RolloutEvent, EventOf } from '../../core/events.js';
import type { Verdict } from '../../core/harness/index.js';
import { sanitize } from '../../core/util/index.js';
import { describeCall, isShellTool } from './tool-call.js';
import { describeMoatlessEvent, type MoatlessEvent } from '../../core/agent/index.js';
import { foldMoatless, type MoatlessView } from './moatless-view.js';

/**
 * The rollout view model: a pure fold over RolloutEvents. The same reducer serves live rollouts and rollouts replayed
 * from a session on disk, so both look the same. Every untrusted string is sanitised here, once, as it enters.
 * Finished steps keep their object identity, so memoised rows never re-render.
 */

export type StepStatus = 'thinking' | 'pending' | 'running' | 'ok' | 'error' | 'timeout' | 'done';

export interface StepView {
  /** 0-based position in the trajectory. */
  index: number;
  turn?: number;
  /** The runtime's step number (tool_start.step). */
  step?: number;
  message: string;
  /** args: the call as it reads on screen (a shell command; "view /path" for the editor); detail: -/+ lines of edits. */
  tool?: ToolView;
  status: StepStatus;
  exitCode?: number;
  durationMs?: number;
  observation?: string;
  /** The patch as it was after this step (set when a patch_updated follows the step). */
  patch?: string;
  tokens?: number;
  /** The model call that produced this step: its latency and usage (per-step figures in the agent pane). */
  modelMs?: number;
  promptTokens?: number;
  completionTokens?: number;
  costUsd?: number;
  startedTs: number;
  /** When its tool started (the running step's timer counts from here). */
  toolStartedTs?: number;
}

export interface ToolView {
  name: string;
  args: string;
  detail?: string[];
  callId?: string;
}

function toolView(name: string, args: Record<string, unknown> | string, callId?: string): ToolView {
  const d = describeCall(name, args);
  return { name: sanitize(name), args: d.summary, ...(d.detail.length ? { detail: d.detail } : {}), callId };
}

export interface TestRow {
  name: string;
  kind: 'F2P' | 'P2P' | 'F2F' | 'P2F';
  passed: boolean;
  status?: string;
}

export type RolloutPhase = 'queued' | 'starting' | 'running' | 'verifying' | 'completed' | 'infra_error' | 'interrupted' | 'no_image';

export interface RolloutViewModel {
  rolloutId: string;
  instanceId: string;
  sample: number;
  agent: { kind: string; model?: string };
  phase: RolloutPhase;
  image?: string;
  containerId?: string;
  repoDir: string;
  steps: StepView[];
  /** Assistant text streaming in for the turn in flight. */
  streaming: string;
  streamingTool?: string;
  /** Tail of the live shell output (sanitised), capped at SHELL_CAP characters. */
  shell: string;
  shellCommand?: string;
  /** The step whose command is running in the shell (tool_output of other tools never reaches the shell pane). */
  shellStep?: number;
  patch: string;
  patchFiles: string[];
  verdict?: Verdict;
  tests: TestRow[];
  scores: Record<string, { score: number; explanation: string; flags: string[] }>;
  promptTokens: number;
  completionTokens: number;
  tokensEstimated: boolean;
  costUsd: number;
  stopReason?: string;
  stopMessage?: string;
  turns: number;
  retries: number;
  logs: string[];
  error?: string;
  startedTs?: number;
  endedTs?: number;
  lastEventTs?: number;
  /** Moatless rollouts: the retrieval backend of semantic search (bm25, embeddings:<model>). */
  retrieval?: string;
  /** Moatless rollouts: the state machine, file context, search, plan and edits (the Moatless pane). */
  moatless?: MoatlessView;
  eventCount: number;
}

export const SHELL_CAP = 16_000;
export const OBSERVATION_CAP = 8_000;
const LOG_CAP = 50;

export function initialRolloutView(rolloutId: string): RolloutViewModel {
  return {
    rolloutId,
    instanceId: '',
    sample: 0,
    agent: { kind: '?' },
    phase: 'queued',
    repoDir: '/testbed',
    steps: [],
    streaming: '',
    shell: '',
    patch: '',
    patchFiles: [],
    tests: [],
    scores: {},
    promptTokens: 0,
    completionTokens: 0,
    tokensEstimated: false,
    costUsd: 0,
    turns: 0,
    retries: 0,
    logs: [],
    eventCount: 0,
  };
}

function tail(text: string, cap: number): string {
  if (text.length <= cap) return text;
  const cut = text.slice(text.length - cap);
  const nl = cut.indexOf('\n');
  return nl >= 0 && nl < 200 ? cut.slice(nl + 1) : cut;
}

function cap(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}\n[... ${text.length - max} characters omitted ...]`;
}

function replaceStep(steps: StepView[], i: number, patch: Partial<StepView>): StepView[] {
  const next = steps.slice();
  next[i] = { ...steps[i], ...patch };
  return next;
}

function findStep(steps: StepView[], pred: (s: StepView) => boolean): number {
  for (let i = steps.length - 1; i >= 0; i--) if (pred(steps[i])) return i;
  return -1;
}

function testRows(v: Verdict): TestRow[] {
  const ts = v.tests_status;
  if (!ts) return [];
  const rows: TestRow[] = [];
  const kinds: Array<[TestRow['kind'], keyof typeof ts]> = [
    ['F2P', 'FAIL_TO_PASS'],
    ['P2P', 'PASS_TO_PASS'],
    ['F2F', 'FAIL_TO_FAIL'],
    ['P2F', 'PASS_TO_FAIL'],
  ];
  for (const [kind, key] of kinds) {
    const group = ts[key];
    // F2F / P2F are informational in SWE-bench; show their failures only.
    const goodIsPass = kind === 'F2P' || kind === 'P2P';
    if (goodIsPass) for (const name of group.success) rows.push({ name: sanitize(name), kind, passed: true, status: v.test_statuses?.[name] });
    for (const name of group.failure) rows.push({ name: sanitize(name), kind, passed: false, status: v.test_statuses?.[name] });
  }
  return rows;
}

type Handler<T extends RolloutEvent['type']> = (s: RolloutViewModel, e: EventOf<T>) => RolloutViewModel;
type Handlers = { [K in RolloutEvent['type']]: Handler<K> };

const handlers: Handlers = {
  rollout_started: (s, e) => ({
    ...s,
    instanceId: e.instance_id,
    sample: e.sample,
    agent: { kind: e.agent.kind, model: e.agent.model },
    phase: 'starting',
    startedTs: e.ts,
  }),
  env_starting: (s, e) => ({ ...s, phase: 'starting', image: e.image }),
  env_ready: (s, e) => ({ ...s, phase: 'running', image: e.image, containerId: e.container_id, repoDir: e.repo_dir }),
  model_request: (s) => ({ ...s, phase: s.phase === 'starting' || s.phase === 'queued' ? 'running' : s.phase, streaming: '', streamingTool: undefined }),
  model_delta: (s, e) => {
    if (!e.content && !e.tool_name && !e.arguments) return s;
    return {
      ...s,
      streaming: e.content ? tail(s.streaming + sanitize(e.content), SHELL_CAP) : s.streaming,
      streamingTool: e.tool_name ? sanitize(e.tool_name) : s.streamingTool,
    };
  },
  model_response: (s, e) => {
    const call = e.tool_calls[0];
    const step: StepView = {
      index: s.steps.length,
      turn: e.turn,
      message: sanitize(e.content ?? ''),
      tool: call ? toolView(call.name, call.arguments, call.id) : undefined,
      status: call ? 'pending' : 'done',
      tokens: e.usage.prompt_tokens + e.usage.completion_tokens,
      promptTokens: e.usage.prompt_tokens,
      completionTokens: e.usage.completion_tokens,
      modelMs: e.latency_ms,
      costUsd: e.cost_usd,
      durationMs: call ? undefined : e.latency_ms,
      startedTs: e.ts,
    };
    const steps = [...s.steps, step];
    // Extra tool calls of the same turn become steps of their own, with an empty message.
    for (const c of e.tool_calls.slice(1)) {
      steps.push({ index: steps.length, turn: e.turn, message: '', tool: toolView(c.name, c.arguments, c.id), status: 'pending', startedTs: e.ts });
    }
    return {
      ...s,
      steps,
      streaming: '',
      streamingTool: undefined,
      promptTokens: s.promptTokens + e.usage.prompt_tokens,
      completionTokens: s.completionTokens + e.usage.completion_tokens,
      tokensEstimated: s.tokensEstimated || e.usage.estimated,
      costUsd: s.costUsd + e.cost_usd,
      turns: Math.max(s.turns, e.turn + 1),
    };
  },
  model_retry: (s, e) => ({
    ...s,
    retries: s.retries + 1,
    logs: [...s.logs, `retry ${e.attempt} (turn ${e.turn}${e.status ? `, HTTP ${e.status}` : ''}): ${sanitize(e.error)}`].slice(-LOG_CAP),
  }),
  tool_start: (s, e) => {
    const tool = toolView(e.tool, e.args, e.call_id);
    let i = findStep(s.steps, (st) => st.tool?.callId === e.call_id && st.status === 'pending');
    let steps: StepView[];
    if (i >= 0) {
      steps = replaceStep(s.steps, i, { status: 'running', step: e.step, tool, toolStartedTs: e.ts });
    } else {
      i = s.steps.length;
      steps = [...s.steps, { index: i, step: e.step, message: '', tool, status: 'running', startedTs: e.ts, toolStartedTs: e.ts }];
    }
    const phase = s.phase === 'starting' ? 'running' : s.phase;
    // The shell pane is the container's shell: editor, finish and think calls are shown in the agent pane only.
    if (!isShellTool(e.tool)) return { ...s, phase, steps, shellStep: undefined };
    const header = tool.args.split('\n').map((l, j) => `${j ? '> ' : '$ '}${l}`).join('\n') + '\n';
    return { ...s, phase, steps, shellCommand: tool.args, shellStep: e.step, shell: tail(s.shell + header, SHELL_CAP) };
  },
  tool_output: (s, e) => (e.step === s.shellStep ? { ...s, shell: tail(s.shell + sanitize(e.chunk), SHELL_CAP) } : s),
  tool_end: (s, e) => {
    let i = findStep(s.steps, (st) => st.tool?.callId === e.call_id);
    if (i < 0) i = findStep(s.steps, (st) => st.step === e.step);
    const status: StepStatus = e.timed_out ? 'timeout' : e.is_error ? 'error' : 'ok';
    const fields: Partial<StepView> = { status, exitCode: e.exit_code, durationMs: e.duration_ms, observation: cap(sanitize(e.observation), OBSERVATION_CAP) };
    const steps =
      i >= 0
        ? replaceStep(s.steps, i, fields)
        : [...s.steps, { index: s.steps.length, step: e.step, message: '', tool: { name: sanitize(e.tool), args: '', callId: e.call_id }, startedTs: e.ts, ...fields } as StepView];
    if (e.step !== s.shellStep) return { ...s, steps };
    const shell = s.shell.length && !s.shell.endsWith('\n') ? `${s.shell}\n` : s.shell;
    return { ...s, steps, shell, shellStep: undefined };
  },
  patch_updated: (s, e) => {
    const patch = sanitize(e.patch);
    const steps = s.steps.length ? replaceStep(s.steps, s.steps.length - 1, { patch }) : s.steps;
    return { ...s, steps, patch, patchFiles: e.files.map(sanitize) };
  },
  agent_stopped: (s, e) => ({
    ...s,
    stopReason: e.reason,
    stopMessage: sanitize(e.message),
    turns: e.turns,
    promptTokens: e.usage.prompt_tokens,
    completionTokens: e.usage.completion_tokens,
    tokensEstimated: e.usage.estimated,
    costUsd: e.cost_usd,
    streaming: '',
    // Steps still marked pending or running when the agent stops were cut off.
    steps: s.steps.some((st) => st.status === 'pending' || st.status === 'running')
      ? s.steps.map((st) => (st.status === 'pending' || st.status === 'running' ? { ...st, status: 'error' as const } : st))
      : s.steps,
  }),
  verification_started: (s) => ({ ...s, phase: 'verifying' }),
  verification_verdict: (s, e) => ({
    ...s,
    verdict: { ...e.verdict, reason: e.verdict.reason === undefined ? undefined : sanitize(e.verdict.reason) },
    tests: testRows(e.verdict),
  }),
  verifier_score: (s, e) => ({
    ...s,
    scores: { ...s.scores, [sanitize(e.verifier)]: { score: e.score, explanation: sanitize(e.explanation), flags: e.flags.map(sanitize) } },
  }),
  rollout_ended: (s, e) => ({ ...s, phase: e.status, endedTs: e.ts, error: e.error ? sanitize(e.error) : undefined }),
  log: (s, e) => ({ ...s, logs: [...s.logs, `${e.level}: ${sanitize(e.message)}`].slice(-LOG_CAP) }),
  moatless_setup: (s, e) => ({ ...moatlessLog(s, e), retrieval: sanitize(e.retrieval_backend) }),
  moatless_transition: moatlessLog,
  moatless_action: moatlessLog,
  moatless_search: moatlessLog,
  moatless_spans: moatlessLog,
  moatless_plan: moatlessLog,
  moatless_edit: moatlessLog,
  moatless_prompt_log: (s) => s,
};

/**
 * Moatless events: one log line each, and the step of the call they belong to (the last model reply) shows what it
 * was: the state and its outcome in place of a tool, the search results, identified spans, plan and edit (diff) as
 * its observation. Texts come sanitised from the describer.
 */
function moatlessLog(sIn: RolloutViewModel, e: MoatlessEvent): RolloutViewModel {
  const s = { ...sIn, moatless: foldMoatless(sIn.moatless, e) };
  const text = describeMoatlessEvent(e);
  if (text === undefined) return s;
  const next = { ...s, logs: [...s.logs, text.split('\n')[0]!].slice(-LOG_CAP) };
  const i = next.steps.length - 1;
  const last = next.steps[i];
  if (!last || e.type === 'moatless_setup' || e.type === 'moatless_transition' || (e.type === 'moatless_search' && e.kind === 'initial_context')) return next;
  if (e.type === 'moatless_action') {
    const outcome = e.retry_message !== undefined ? 'retry' : (e.trigger ?? 'stays');
    return { ...next, steps: replaceStep(next.steps, i, { tool: { name: sanitize(e.state), args: `${sanitize(e.action_name)} -> ${sanitize(outcome)}${e.attempts > 1 ? ` (${e.attempts - 1} re-ask${e.attempts > 2 ? 's' : ''})` : ''}` }, ...(e.retry_message !== undefined ? { status: 'error' as const } : {}) }) };
  }
  const body = text.replace(/^\[\d+\] /, '');
  return { ...next, steps: replaceStep(next.steps, i, { observation: last.observation ? `${last.observation}\n${body}` : body }) };
}

export function reduceRollout(state: RolloutViewModel, e: RolloutEvent): RolloutViewModel {
  const h = handlers[e.type] as Handler<RolloutEvent['type']> | undefined;
  const next = h ? h(state, e as never) : state;
  return { ...next, lastEventTs: e.ts, eventCount: state.eventCount + 1 };
}

export function foldRollout(rolloutId: string, events: RolloutEvent[]): RolloutViewModel {
  let s = initialRolloutView(rolloutId);
  for (const e of events) s = reduceRollout(s, e);
  return s;
}

export function isLive(s: RolloutViewModel): boolean {
  return s.phase === 'queued' || s.phase === 'starting' || s.phase === 'running' || s.phase === 'verifying';
}

/** The patch as it stood after step `i` (the last patch_updated at or before it). */
export function patchAtStep(s: RolloutViewModel, i: number): string {
  for (let j = Math.min(i, s.steps.length - 1); j >= 0; j--) if (s.steps[j].patch !== undefined) return s.steps[j].patch!;
  return i >= s.steps.length - 1 ? s.patch : '';
}
