/**
 * The LLM agent: OpenHands CodeAct's loop as SWE-Gym ran it (facts §4), over any OpenAI-compatible endpoint.
 * The history is kept as OpenAI chat messages with native tool calls; in text mode every request renders it in
 * SWE-Gym's `<function=...>` format (as OpenHands' mock function calling did), so both modes emit the same events.
 */
import type { ChatMessage, StopReason, ToolCall } from '../../events.js';
import type { Agent, AgentContext, AgentResult } from '../types.js';
import type { Tool } from '../tool-types.js';
import { defaultTools } from '../tools/index.js';
import { mayChangeFiles, runToolCall, type ToolCallOutcome } from '../tools/run-tool.js';
import { parseLlmAgentConfig, type LlmAgentConfig, type LlmAgentConfigInput } from './config.js';
import { ContextWindowError, EndpointRejectedError, ModelCallError, ModelStop, OpenAiChatModel, isAbort, maskSecret, type CallHooks, type ChatModel, type ChatReply, type ChatRequest } from '../../model/index.js';
import { costOf, loadPriceTable, priceFor } from './prices.js';
import { estimateCompletionTokens, estimatePromptTokens } from './tokens.js';
import { renderObservation } from './observation.js';
import { dropOlderHalf, patchFiles } from './history.js';
import { toTrainingChat } from './trajectory.js';
import { toOpenAiTools } from './tool-spec.js';
import { buildFirstUserMessage, buildSystemPrompt, loadPrompts, nudgeMessage } from '../prompts.js';
import { ERROR_OBSERVATION_SUFFIX, parseCalls, restoreStopWord, STOP_WORDS } from '../text-format.js';
import { detectStuck, STUCK_MESSAGES, type StuckEvent } from '../stuck.js';

export interface LlmAgentOptions {
  /** Default: defaultTools({ think, bashTimeoutSec }) from ../tools/index.js. */
  tools?: Tool[];
  /**
   * The model to talk to. Default: an OpenAI-compatible model on `baseURL`, with the key read from `env` under
   * `apiKeyEnv` here, at the edge, and handed in.
   */
  model?: ChatModel;
  /** What is recorded about the agent, when it is not the LLM agent itself (the replay agent). */
  info?: Agent['info'];
  /** Where the API key is looked up when no model is given (default process.env). */
  env?: Record<string, string | undefined>;
  /** fetch handed to the openai client (the scheduler wraps it to cap concurrent requests per endpoint). */
  fetch?: typeof fetch;
}

class Stop extends Error {
  constructor(readonly reason: StopReason, message: string) {
    super(message);
  }
}

export class LlmAgent implements Agent {
  readonly config: LlmAgentConfig;
  readonly info: Agent['info'];
  private readonly toolsOpt?: Tool[];
  private readonly modelOpt?: ChatModel;
  /** Only to mask the key out of what we report (the model masks its own errors already). */
  private readonly apiKey?: string;
  private readonly fetchImpl?: typeof fetch;

  constructor(config: LlmAgentConfigInput, opts: LlmAgentOptions = {}) {
    this.config = parseLlmAgentConfig(config);
    this.toolsOpt = opts.tools;
    this.modelOpt = opts.model;
    this.apiKey = opts.model ? undefined : (opts.env ?? process.env)[this.config.apiKeyEnv];
    this.fetchImpl = opts.fetch;
    const baseUrl = publicUrl(this.config.baseURL);
    this.info = opts.info ?? { kind: 'llm', model: this.config.model, base_url: baseUrl, config: { ...this.config, baseURL: baseUrl } };
  }

  private async resolveTools(): Promise<Tool[]> {
    return this.toolsOpt ?? defaultTools({ think: this.config.think, bashTimeoutSec: this.config.bash_timeout_sec });
  }

  /** One model per run (a recording keeps its place in the run); subclasses may bring their own. */
  protected makeModel(): ChatModel {
    if (this.modelOpt) return this.modelOpt;
    const c = this.config;
    return new OpenAiChatModel({ baseURL: c.baseURL, model: c.model, apiKey: this.apiKey, timeoutMs: c.request_timeout_sec * 1000, retry: c.retry, fetch: this.fetchImpl });
  }

  async run(ctx: AgentContext): Promise<AgentResult> {
    return new Run(this.config, ctx, this.makeModel(), this.apiKey, () => this.resolveTools()).execute();
  }
}

class Run {
  private messages: ChatMessage[] = [];
  private sentWire: ChatMessage[] = [];
  private forceReset = false;
  private turns = 0;
  private step = 0;
  private callCounter = 0;
  private nudges = 0;
  private promptTokens = 0;
  private completionTokens = 0;
  private estimated = false;
  private cost = 0;
  private lastPatch = '';
  private stuck: StuckEvent[] = [];
  private tools: Tool[] = [];
  private price: { input_per_mtok: number; output_per_mtok: number } | undefined;
  private icl?: string;
  private readonly wall = new AbortController();
  private readonly signal: AbortSignal;

  constructor(
    private readonly cfg: LlmAgentConfig,
    private readonly ctx: AgentContext,
    private readonly model: ChatModel,
    private readonly apiKey: string | undefined,
    private readonly getTools: () => Promise<Tool[]>,
  ) {
    this.signal = AbortSignal.any([ctx.signal, this.wall.signal]);
  }

  async execute(): Promise<AgentResult> {
    const timer = this.cfg.wall_clock_sec ? setTimeout(() => this.wall.abort(new Stop('wall_clock', 'wall-clock limit reached')), this.cfg.wall_clock_sec * 1000) : undefined;
    let reason: StopReason = 'error';
    let message = '';
    try {
      await this.setup();
      await this.loop();
    } catch (e) {
      ({ reason, message } = this.classify(e));
    } finally {
      if (timer) clearTimeout(timer);
    }
    const patch = await this.updatePatch(true);
    const closing = this.model.endRun?.({ messages: this.messages, patch }, this.logHooks());
    if (closing?.message) message = closing.message;
    message = this.redact(message);
    const usage = { prompt_tokens: this.promptTokens, completion_tokens: this.completionTokens, estimated: this.estimated };
    this.ctx.emitter.emit({ type: 'agent_stopped', reason, message, turns: this.turns, usage, cost_usd: this.cost });
    return { reason, message, patch, turns: this.turns, usage, cost_usd: this.cost, messages: this.messages };
  }

  /**
   * Error texts can come back from the endpoint with the key in them (some servers echo a rejected key): everything
   * we report from an error goes through here, so the key never reaches events, logs or the screen.
   */
  private redact(text: string): string {
    return maskSecret(text, this.apiKey);
  }

  private classify(e: unknown): { reason: StopReason; message: string } {
    if (e instanceof Stop || e instanceof ModelStop) return { reason: e.reason, message: e.message };
    if (this.wall.signal.aborted && !this.ctx.signal.aborted) return { reason: 'wall_clock', message: 'wall-clock limit reached' };
    if (this.ctx.signal.aborted || isAbort(e)) return { reason: 'interrupted', message: 'interrupted' };
    if (e instanceof EndpointRejectedError) return { reason: 'endpoint_rejected', message: e.message };
    if (e instanceof ModelCallError) return { reason: 'error', message: `model call failed after ${e.attempts} attempt(s): ${e.message}` };
    return { reason: 'error', message: e instanceof Error ? e.message : String(e) };
  }

  private logHooks(): CallHooks {
    return { onLog: (level, message) => this.ctx.emitter.emit({ type: 'log', level, message: this.redact(message) }) };
  }

  private checkSignal() {
    if (this.wall.signal.aborted && !this.ctx.signal.aborted) throw new Stop('wall_clock', 'wall-clock limit reached');
    if (this.ctx.signal.aborted) throw new Stop('interrupted', 'interrupted');
  }

  private async setup() {
    const cfg = this.cfg;
    this.tools = await this.getTools();
    const prompts = await loadPrompts(cfg.prompt_dir);
    const table = { ...(await loadPriceTable(cfg.prices_file)), ...(cfg.prices ?? {}) };
    this.price = priceFor(cfg.model, table);
    // A cap we cannot count against would silently never fire: refuse to start instead.
    if (cfg.cost_cap_usd !== undefined && !this.price) {
      throw new Stop(
        'error',
        `cost_cap_usd is set but model "${cfg.model}" has no price: add it to ${cfg.prices_file ?? 'config/prices.json'} or to "prices" in the agent config`,
      );
    }
    if (cfg.tool_mode === 'text' && cfg.in_context_example) this.icl = prompts.inContextExample.text;
    this.messages = [
      { role: 'system', content: buildSystemPrompt(prompts) },
      { role: 'user', content: buildFirstUserMessage(prompts, this.ctx.task, { workspaceDir: this.ctx.workspaceDir, hints: cfg.hints }) },
    ];
  }

  /** What goes over the wire for the current history. */
  private wire(): ChatMessage[] {
    if (this.cfg.tool_mode === 'text') return toTrainingChat(this.messages, 'swegym-text', this.tools, { inContextExamplePrefix: this.icl });
    return this.messages.map((m) => {
      const { name: _name, ...rest } = m;
      return m.role === 'tool' ? rest : { ...m };
    });
  }

  private async loop() {
    for (;;) {
      this.checkSignal();
      if (this.turns >= this.cfg.max_turns) throw new Stop('max_turns', `reached the limit of ${this.cfg.max_turns} turns`);
      const wire = this.wire();
      const reply = await this.request(wire);
      if (!reply) continue; // history truncated after a context-window error
      await this.handleReply(reply);
      this.checkLimits();
    }
  }

  private newMessages(wire: ChatMessage[]): { fresh: ChatMessage[]; reset: boolean } {
    const prev = this.sentWire;
    const prefixOk = !this.forceReset && prev.length <= wire.length && prev.every((m, i) => JSON.stringify(m) === JSON.stringify(wire[i]));
    this.forceReset = false;
    return prefixOk ? { fresh: wire.slice(prev.length), reset: false } : { fresh: wire, reset: prev.length > 0 };
  }

  private async request(wire: ChatMessage[]): Promise<ChatReply | undefined> {
    const cfg = this.cfg;
    const turn = this.turns + 1;
    const { fresh, reset } = this.newMessages(wire);
    this.ctx.emitter.emit({ type: 'model_request', turn, new_messages: fresh, total_messages: wire.length, ...(reset ? { history_reset: true } : {}) });
    this.sentWire = wire;
    const req: ChatRequest = { messages: wire, temperature: cfg.temperature, top_p: cfg.top_p, max_tokens: cfg.max_tokens, seed: cfg.seed };
    let toolsJson: string | undefined;
    if (cfg.tool_mode === 'native') {
      req.tools = toOpenAiTools(this.tools);
      toolsJson = JSON.stringify(req.tools);
      if (cfg.stop?.length) req.stop = cfg.stop;
    } else {
      req.stop = [...(cfg.stop ?? []), ...STOP_WORDS].slice(-4);
    }
    this.turns = turn;
    let reply: ChatReply;
    try {
      const hooks: CallHooks = {
        ...this.logHooks(),
        signal: this.signal,
        onRetry: (r) =>
          this.ctx.emitter.emit({ type: 'model_retry', turn, attempt: r.attempt, ...(r.status !== undefined ? { status: r.status } : {}), delay_ms: r.delayMs, error: this.redact(r.error) }),
        onDelta: (d) => this.ctx.emitter.emit({ type: 'model_delta', turn, ...d }),
      };
      reply = cfg.stream ? await this.model.stream(req, hooks) : await this.model.complete(req, hooks);
    } catch (e) {
      if (!(e instanceof ContextWindowError)) throw e;
      this.ctx.emitter.emit({ type: 'log', level: 'warn', message: this.redact(`context window exceeded: ${e.message}`) });
      if (cfg.context_window_policy === 'stop') throw new Stop('context_window', `context window exceeded: ${e.message}`);
      const shorter = dropOlderHalf(this.messages);
      if (!shorter || shorter.length >= this.messages.length) throw new Stop('context_window', `context window exceeded and nothing left to drop: ${e.message}`);
      this.messages = shorter;
      this.forceReset = true;
      this.turns = turn - 1; // the rejected request does not count as a turn
      return undefined;
    }
    let usage = reply.usage;
    if (!usage) {
      usage = {
        prompt_tokens: await estimatePromptTokens(wire, toolsJson),
        completion_tokens: await estimateCompletionTokens(reply.content, reply.toolCalls),
      };
      this.estimated = true;
    }
    this.promptTokens += usage.prompt_tokens;
    this.completionTokens += usage.completion_tokens;
    const callCost = costOf(usage, this.price);
    this.cost += callCost;
    const toolCalls: ToolCall[] = reply.toolCalls.map((c) => ({ id: c.id, name: c.name, arguments: c.arguments }));
    this.ctx.emitter.emit({
      type: 'model_response',
      turn,
      content: reply.content,
      tool_calls: toolCalls,
      finish_reason: reply.finishReason,
      usage: { ...usage, estimated: !reply.usage },
      cost_usd: callCost,
      latency_ms: reply.latencyMs,
    });
    return reply;
  }

  private checkLimits() {
    const cfg = this.cfg;
    if (cfg.max_total_tokens !== undefined && this.promptTokens + this.completionTokens >= cfg.max_total_tokens) {
      throw new Stop('max_tokens', `used ${this.promptTokens + this.completionTokens} tokens (limit ${cfg.max_total_tokens})${this.estimated ? ', estimated' : ''}`);
    }
    if (cfg.cost_cap_usd !== undefined && this.cost >= cfg.cost_cap_usd) {
      throw new Stop('cost_cap', `spent $${this.cost.toFixed(4)} (cap $${cfg.cost_cap_usd})${this.estimated ? ', tokens estimated' : ''}`);
    }
    const rule = detectStuck(this.stuck);
    if (rule) throw new Stop('stuck', STUCK_MESSAGES[rule]);
  }

  private nextCallId(): string {
    this.callCounter += 1;
    return `toolu_${String(this.callCounter).padStart(2, '0')}`;
  }

  private async handleReply(reply: ChatReply) {
    let content = reply.content;
    let calls = reply.toolCalls;
    if (this.cfg.tool_mode === 'text') {
      const raw = restoreStopWord(content ?? '');
      const parsed = parseCalls(raw, this.tools);
      if (parsed.error) {
        // The malformed reply stays in the history as the model wrote it; the error comes back as the next user turn.
        const obs = renderObservation(parsed.error, { max: this.cfg.observation_max_chars }).text + ERROR_OBSERVATION_SUFFIX;
        this.messages.push({ role: 'assistant', content: raw }, { role: 'user', content: obs });
        this.step += 1;
        this.ctx.emitter.emit({ type: 'tool_start', step: this.step, call_id: 'invalid', tool: 'invalid_call', args: { raw } });
        this.ctx.emitter.emit({ type: 'tool_end', step: this.step, call_id: 'invalid', tool: 'invalid_call', observation: obs, is_error: true, timed_out: false, truncated: false, duration_ms: 0 });
        this.stuck.push({ kind: 'action', key: `malformed|${raw}` }, { kind: 'observation', key: `error|${parsed.error}`, isError: true });
        return;
      }
      content = parsed.calls.length > 0 ? parsed.thought : raw;
      calls = parsed.calls.map((c) => ({ id: this.nextCallId(), name: c.name, arguments: JSON.stringify(c.args) }));
    }

    if (calls.length === 0) {
      this.nudges += 1;
      this.messages.push({ role: 'assistant', content: content ?? '' }, { role: 'user', content: nudgeMessage(this.nudges) });
      this.stuck.push({ kind: 'action', key: `message|${content ?? ''}`, message: true });
      return;
    }

    const run = this.cfg.first_call_only ? calls.slice(0, 1) : calls;
    const assistant: ChatMessage = {
      role: 'assistant',
      content: content ?? null,
      tool_calls: run.map((c) => ({ id: c.id, type: 'function' as const, function: { name: c.name, arguments: c.arguments } })),
    };
    this.messages.push(assistant);
    for (let i = 0; i < run.length; i++) {
      const finished = await this.runCall(run[i], i === 0 ? content ?? '' : '');
      if (finished) {
        // Calls after `finish` never ran: leave them out so every call in the history has its result.
        assistant.tool_calls = assistant.tool_calls!.slice(0, i + 1);
        throw new Stop('finished', 'the agent called finish');
      }
      this.checkSignal();
    }
  }

  /** Runs one call through the one tool executor; returns true when it was `finish`. */
  private async runCall(call: { id: string; name: string; arguments: string }, thought: string): Promise<boolean> {
    const step = ++this.step;
    let r: ToolCallOutcome;
    try {
      r = await runToolCall({
        tools: this.tools,
        name: call.name,
        args: call.arguments,
        callId: call.id,
        step,
        runtime: this.ctx.runtime,
        repoDir: this.ctx.repoDir,
        emitter: this.ctx.emitter,
        signal: this.signal,
        observationMaxChars: this.cfg.observation_max_chars,
        // A tool that throws means the environment failed: the rollout ends as an infrastructure error.
        onToolError: 'throw',
      });
    } catch (e) {
      this.checkSignal();
      throw e;
    }
    this.messages.push({ role: 'tool', tool_call_id: call.id, name: call.name, content: r.observation });
    const actionKey = JSON.stringify([call.name, r.args ?? call.arguments, thought]);
    if (!r.args) {
      this.stuck.push({ kind: 'action', key: actionKey }, { kind: 'observation', key: `error|${r.invalid}`, isError: true });
      return false;
    }
    // OpenHands compared bash observations by command and exit code only, other observations by content.
    const isBash = call.name === 'execute_bash';
    const obsKey = isBash && r.exitCode !== undefined ? `bash|${String(r.args.command)}|${r.exitCode}` : `${call.name}|${r.observation}`;
    this.stuck.push({ kind: 'action', key: actionKey }, { kind: 'observation', key: obsKey, isError: r.isError });
    if (mayChangeFiles(call.name, r.args, r)) await this.updatePatch(false);
    return r.finish === true;
  }

  /** Emits patch_updated when the diff changed (and always at the end). */
  private async updatePatch(final: boolean): Promise<string> {
    let patch: string;
    try {
      patch = await this.ctx.runtime.diff(this.ctx.task.base_commit, this.ctx.repoDir);
    } catch (e) {
      this.ctx.emitter.emit({ type: 'log', level: 'warn', message: `could not compute the patch: ${e instanceof Error ? e.message : String(e)}` });
      return this.lastPatch;
    }
    if (final || patch !== this.lastPatch) {
      this.lastPatch = patch;
      this.ctx.emitter.emit({ type: 'patch_updated', patch, files: patchFiles(patch) });
    }
    return patch;
  }
}

/** The endpoint URL as it may be recorded: credentials in the user-info part or in key-like query parameters masked. */
export function publicUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return url;
  }
  let masked = false;
  if (u.username || u.password) {
    if (u.username) u.username = '***';
    if (u.password) u.password = '***';
    masked = true;
  }
  for (const k of [...u.searchParams.keys()]) {
    if (!/key|token|secret|sig|auth/i.test(k)) continue;
    u.searchParams.set(k, '***');
    masked = true;
  }
  // Unchanged URLs are returned as written (a resumed session re-creates the agent from the recorded config).
  return masked ? u.toString().replace(/%2A%2A%2A/g, '***') : url;
}
