/**
 * `--agent moatless`: SWE-Gym's MoatlessTools scaffold (the v0.0.2 state machine of SWE-Gym/Moatless-Agent-Fork) as a
 * swegym Agent. One LLM call per step; nothing of the repository is run during the rollout (the only checks are the
 * tree-sitter re-parse of an edit and pylint in the container); the patch is the diff of the checkout at the end,
 * whatever the end status, as the fork's evaluation took `git diff` after the loop.
 *
 * Events: every call is a model_request (the full prompt, history_reset) and a model_response; the meaning of each
 * step is a moatless_* event (transition, action, search, spans, plan, edit) and each call's prompt-log entry is a
 * moatless_prompt_log marker, from which the SFT export rebuilds the fork's prompt_logs/<NN>_<State>.json.
 */
import type { ChatMessage, StopReason } from '../../events.js';
import type { Agent, AgentContext, AgentResult } from '../types.js';
import { extractPatch } from '../patch.js';
import { EndpointRejectedError } from '../../model/index.js';
import { estimateCompletionTokens, estimatePromptTokens } from '../llm/tokens.js';
import type { MoatlessWorkspace } from './code-env.js';
import { moatlessCost, MOATLESS_COST_MODEL, type MoatlessConfig } from './config.js';
import { IncompleteOutputError, ReaskExhaustedError, structuredCall, type ChatFn, type ChatReply, type ChatRequest } from './json-mode.js';
import { CostExceededError, MoatlessLoop, type ActionSource, type LoopOutcome } from './machine.js';
import { bundledPrompts, type MoatlessPrompts } from './prompts.js';
import { quirkSet } from './quirks.js';
import { makeState } from './states.js';

/** One raw completion call as the agent needs it; transport retries are the implementation's (reported as events). */
export interface MoatlessModelCall {
  (
    req: ChatRequest,
    hooks: { signal: AbortSignal; onRetry: (info: { attempt: number; status?: number; delayMs: number; error: string }) => void; onNotice?: (message: string) => void },
  ): Promise<{
    content: string | null;
    finishReason: string | null;
    usage?: { prompt_tokens: number; completion_tokens: number };
    latencyMs: number;
  }>;
}

export interface OpenedWorkspace {
  workspace: MoatlessWorkspace;
  indexedFiles?: number;
  indexMs?: number;
}

export interface MoatlessAgentDeps {
  call: MoatlessModelCall;
  /** Parses and indexes the checkout in the container (cached per repo and commit) and returns the workspace. */
  openWorkspace: (ctx: AgentContext, config: MoatlessConfig) => Promise<OpenedWorkspace>;
  prompts?: MoatlessPrompts;
}

export class MoatlessAgent implements Agent {
  readonly info: Agent['info'];
  private readonly prompts: MoatlessPrompts;

  constructor(
    readonly config: MoatlessConfig,
    private readonly deps: MoatlessAgentDeps,
  ) {
    this.prompts = deps.prompts ?? bundledPrompts();
    const { retry: _r, ...shown } = config;
    this.info = {
      kind: 'moatless',
      model: config.model,
      base_url: config.baseURL,
      config: { ...shown, quirks: quirkSet(config.fix), cost_model: MOATLESS_COST_MODEL, prompt_hashes: this.prompts.hashes() },
    };
  }

  async run(ctx: AgentContext): Promise<AgentResult> {
    const { emitter, task, signal } = ctx;
    const quirks = quirkSet(this.config.fix);
    let turn = 0;
    const usage = { prompt_tokens: 0, completion_tokens: 0, estimated: false };
    let cost = 0;

    const chat: ChatFn = async (req) => {
      const t = turn++;
      emitter.emit({ type: 'model_request', turn: t, new_messages: req.messages, total_messages: req.messages.length, history_reset: true });
      const reply = await this.deps.call(req, {
        signal,
        onRetry: (r) => emitter.emit({ type: 'model_retry', turn: t, attempt: r.attempt, status: r.status, delay_ms: r.delayMs, error: r.error }),
        onNotice: (message) => emitter.emit({ type: 'log', level: 'warn', message }),
      });
      const content = reply.content ?? '';
      const u = reply.usage
        ? { ...reply.usage, estimated: false }
        : { prompt_tokens: await estimatePromptTokens(req.messages), completion_tokens: await estimateCompletionTokens(content, []), estimated: true };
      const c = moatlessCost(u);
      usage.prompt_tokens += u.prompt_tokens;
      usage.completion_tokens += u.completion_tokens;
      usage.estimated ||= u.estimated;
      cost += c;
      emitter.emit({ type: 'model_response', turn: t, content, tool_calls: [], finish_reason: reply.finishReason, usage: u, cost_usd: c, latency_ms: reply.latencyMs });
      return { content, finish_reason: reply.finishReason, usage: u } satisfies ChatReply;
    };

    const nextAction: ActionSource = async (state, messages, completed) => {
      const logCall = (error: string | null) => emitter.emit({ type: 'moatless_prompt_log', transition: completed, state: state.name, turn: turn - 1, error });
      const name = state.actionType();
      try {
        if (name === null) {
          const reply = await chat({ messages, max_tokens: this.config.max_tokens, temperature: this.config.temperature, stop: state.stopWords() });
          logCall(null);
          return { action: { kind: 'content', content: reply.content }, cost: moatlessCost(reply.usage), input_tokens: reply.usage.prompt_tokens, output_tokens: reply.usage.completion_tokens };
        }
        const r = await structuredCall(chat, name, messages, {
          prompts: this.prompts,
          max_tokens: this.config.max_tokens,
          temperature: this.config.temperature,
          stop: state.stopWords(),
          json_object: this.config.json_response_format,
          maxAttempts: this.config.json_attempts,
        });
        logCall(null);
        return { action: { kind: 'json', name, value: r.action as unknown as Record<string, unknown> }, cost: moatlessCost(r.usage), input_tokens: r.usage.prompt_tokens, output_tokens: r.usage.completion_tokens, attempts: r.attempts };
      } catch (e) {
        if (turn > 0 && !signal.aborted) logCall(errText(e));
        throw e;
      }
    };

    let outcome: LoopOutcome | undefined;
    let reason: StopReason = 'error';
    let message = '';
    let opened: OpenedWorkspace | undefined;
    try {
      opened = await this.deps.openWorkspace(ctx, this.config);
      emitter.emit({
        type: 'moatless_setup',
        retrieval_backend: opened.workspace.index.backend,
        ...(opened.indexedFiles !== undefined ? { indexed_files: opened.indexedFiles } : {}),
        ...(opened.indexMs !== undefined ? { index_ms: opened.indexMs } : {}),
        quirks,
      });
      const loop = new MoatlessLoop({
        issue: task.problem_statement,
        workspace: opened.workspace,
        config: this.config,
        prompts: this.prompts,
        quirks,
        makeState: (n, d) => makeState(n, d, { planMaxIterations: this.config.plan_max_iterations, editMaxIterations: this.config.edit_max_iterations }),
        nextAction,
        emit: (b) => emitter.emit(b),
        signal,
      });
      outcome = await loop.run();
      ({ reason, message } = stopOf(outcome));
    } catch (e) {
      if (signal.aborted) {
        reason = 'interrupted';
        message = errText(signal.reason ?? e);
      } else if (e instanceof EndpointRejectedError) {
        // A bad key or model name: no result of this rollout (the scheduler stops the batch).
        reason = 'endpoint_rejected';
        message = e.message;
      } else if (e instanceof CostExceededError) {
        reason = 'cost_cap';
        message = e.message;
      } else {
        // instructor's exhausted re-asks, a reply cut by max_tokens, a state the fork would crash in: status "error".
        reason = 'error';
        message = e instanceof ReaskExhaustedError || e instanceof IncompleteOutputError ? `${e.name}: ${e.message}` : errText(e);
      }
    }

    // The fork diffs the checkout whatever the outcome: edits saved before an abort count.
    const { patch, files } = await extractPatch(ctx.runtime, task.base_commit, ctx.repoDir);
    emitter.emit({ type: 'patch_updated', patch, files });
    emitter.emit({ type: 'agent_stopped', reason, message, turns: turn, usage, cost_usd: cost });
    return { reason, message, patch, turns: turn, usage, cost_usd: cost, messages: [] as ChatMessage[] };
  }
}

function stopOf(o: LoopOutcome): { reason: StopReason; message: string } {
  if (o.status === 'finished') return { reason: 'finished', message: `Finished: ${o.message}` };
  if (o.status === 'cost_exceeded') return { reason: 'cost_cap', message: o.message };
  const why: Record<typeof o.cause, StopReason> = {
    state: 'finished',
    max_transitions: 'max_turns',
    max_state_transitions: 'max_turns',
    max_retries: 'stuck',
    max_rejections: 'stuck',
  };
  return { reason: why[o.cause], message: `Rejected: ${o.message}` };
}

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
