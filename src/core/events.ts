import { z } from 'zod';
import { Verdict } from './harness/types.js';

/**
 * The spine: everything that happens in a rollout (and in the scheduler around it) is one of these events.
 * The session store appends them as JSON lines; the TUI and the plain printer render them, live or from disk.
 * Every event carries `rollout` (its rollout id) and `ts` (ms since epoch). `seq` is assigned by the emitter.
 * Add new kinds additively; never change the meaning of an existing field.
 */

const Header = {
  v: z.literal(1).default(1),
  ts: z.number(),
  rollout: z.string(),
  seq: z.number().int().nonnegative().optional(),
};

export const Usage = z.object({
  prompt_tokens: z.number().int().nonnegative(),
  completion_tokens: z.number().int().nonnegative(),
  /** True when the endpoint reported no usage and we counted with a tokenizer. */
  estimated: z.boolean().default(false),
});
export type Usage = z.infer<typeof Usage>;

export const ToolCall = z.object({
  id: z.string(),
  name: z.string(),
  /** Raw JSON arguments string as the model produced it (may be malformed). */
  arguments: z.string(),
});
export type ToolCall = z.infer<typeof ToolCall>;

/** OpenAI-style chat message, as sent to / received from the model. */
export const ChatMessage = z.object({
  role: z.enum(['system', 'user', 'assistant', 'tool']),
  content: z.string().nullable(),
  tool_calls: z.array(z.object({ id: z.string(), type: z.literal('function'), function: z.object({ name: z.string(), arguments: z.string() }) })).optional(),
  tool_call_id: z.string().optional(),
  name: z.string().optional(),
});
export type ChatMessage = z.infer<typeof ChatMessage>;

export const StopReason = z.enum([
  'finished',
  'max_turns',
  'max_tokens',
  'cost_cap',
  'wall_clock',
  'context_window',
  'stuck',
  'error',
  'interrupted',
  /** The model endpoint refused the key, the access or the model name (HTTP 401/403/404): no result, the batch stops. */
  'endpoint_rejected',
]);
export type StopReason = z.infer<typeof StopReason>;

export const AgentInfo = z.object({
  /** A kind from the agent registry (core/rollout/agents.ts: gold, replay, llm, moatless, ...), 'external' (a gym client) or 'imported'. */
  kind: z.string().min(1),
  model: z.string().optional(),
  base_url: z.string().optional(),
  /** Configuration without secrets (never an API key). */
  config: z.record(z.string(), z.unknown()).default({}),
});

export const RolloutStarted = z.object({
  ...Header,
  type: z.literal('rollout_started'),
  instance_id: z.string(),
  sample: z.number().int().nonnegative().default(0),
  agent: AgentInfo,
  temperature: z.number().optional(),
  seed: z.number().optional(),
  attempt: z.number().int().nonnegative().default(0),
});

export const EnvStarting = z.object({ ...Header, type: z.literal('env_starting'), image: z.string() });
export const EnvReady = z.object({
  ...Header,
  type: z.literal('env_ready'),
  image: z.string(),
  container_id: z.string(),
  duration_ms: z.number(),
  repo_dir: z.string().default('/testbed'),
});

export const ModelRequest = z.object({
  ...Header,
  type: z.literal('model_request'),
  turn: z.number().int(),
  /** Messages added since the previous request (the full list is the concatenation over requests). */
  new_messages: z.array(ChatMessage),
  total_messages: z.number().int(),
  /** Set when the history was reset (e.g. older half dropped after a context-window error). */
  history_reset: z.boolean().optional(),
});

export const ModelDelta = z.object({
  ...Header,
  type: z.literal('model_delta'),
  turn: z.number().int(),
  content: z.string().optional(),
  /** Streaming tool-call argument fragment. */
  tool_call_index: z.number().int().optional(),
  tool_name: z.string().optional(),
  arguments: z.string().optional(),
});

export const ModelResponse = z.object({
  ...Header,
  type: z.literal('model_response'),
  turn: z.number().int(),
  content: z.string().nullable(),
  tool_calls: z.array(ToolCall).default([]),
  finish_reason: z.string().nullable().optional(),
  usage: Usage,
  cost_usd: z.number().nonnegative().default(0),
  latency_ms: z.number(),
});

export const ModelRetry = z.object({
  ...Header,
  type: z.literal('model_retry'),
  turn: z.number().int(),
  attempt: z.number().int(),
  status: z.number().int().optional(),
  delay_ms: z.number(),
  error: z.string(),
});

export const ToolStart = z.object({
  ...Header,
  type: z.literal('tool_start'),
  step: z.number().int(),
  call_id: z.string(),
  tool: z.string(),
  args: z.record(z.string(), z.unknown()),
});

export const ToolOutput = z.object({
  ...Header,
  type: z.literal('tool_output'),
  step: z.number().int(),
  chunk: z.string(),
  /**
   * Set on the chunk that closes a step whose output went past the log's cap: bytes of output left out of the log
   * before this chunk (the head was logged, this chunk is the tail; see src/core/session/output-budget.ts).
   */
  omitted_bytes: z.number().int().nonnegative().optional(),
});

export const ToolEnd = z.object({
  ...Header,
  type: z.literal('tool_end'),
  step: z.number().int(),
  call_id: z.string(),
  tool: z.string(),
  observation: z.string(),
  exit_code: z.number().int().optional(),
  is_error: z.boolean().default(false),
  timed_out: z.boolean().default(false),
  truncated: z.boolean().default(false),
  duration_ms: z.number(),
  /** Bytes of raw output the command produced (counted by the session log, whatever it kept). */
  output_bytes: z.number().int().nonnegative().optional(),
  /** Characters cut from the middle of `observation` by the session log's cap (the agent's own cap comes first). */
  observation_omitted_chars: z.number().int().nonnegative().optional(),
});

export const PatchUpdated = z.object({
  ...Header,
  type: z.literal('patch_updated'),
  patch: z.string(),
  files: z.array(z.string()),
});

export const AgentStopped = z.object({
  ...Header,
  type: z.literal('agent_stopped'),
  reason: StopReason,
  message: z.string().default(''),
  turns: z.number().int(),
  usage: Usage,
  cost_usd: z.number(),
});

export const VerificationStarted = z.object({ ...Header, type: z.literal('verification_started'), profile: z.string() });
export const VerificationVerdict = z.object({ ...Header, type: z.literal('verification_verdict'), verdict: Verdict });

export const VerifierScore = z.object({
  ...Header,
  type: z.literal('verifier_score'),
  verifier: z.string(),
  score: z.number().min(0).max(1),
  explanation: z.string().default(''),
  flags: z.array(z.string()).default([]),
});

export const RolloutStatus = z.enum(['completed', 'infra_error', 'interrupted', 'no_image']);
export const RolloutEnded = z.object({
  ...Header,
  type: z.literal('rollout_ended'),
  status: RolloutStatus,
  error: z.string().optional(),
  duration_ms: z.number(),
});

export const LogEvent = z.object({
  ...Header,
  type: z.literal('log'),
  level: z.enum(['debug', 'info', 'warn', 'error']),
  message: z.string(),
});

/**
 * Moatless (v0.0.2 state machine) events. One LLM call per step: the prompt and reply are the usual model_request
 * (full messages, history_reset) and model_response; these say what the step meant.
 */
export const MoatlessSetup = z.object({
  ...Header,
  type: z.literal('moatless_setup'),
  /** Retrieval backend of semantic search, e.g. `bm25` or `embeddings:voyage-code-2`. */
  retrieval_backend: z.string(),
  indexed_files: z.number().int().nonnegative().optional(),
  index_ms: z.number().nonnegative().optional(),
  /** Deviations of the fork kept (true) or fixed (false), by name. */
  quirks: z.record(z.string(), z.boolean()).default({}),
});

export const MoatlessTransition = z.object({
  ...Header,
  type: z.literal('moatless_transition'),
  /** 1-based count of states entered (the fork's transition counter). */
  transition: z.number().int().positive(),
  state: z.string(),
  from: z.string().optional(),
  trigger: z.string().optional(),
  /** The message handed to the new state, if any. */
  message: z.string().optional(),
});

export const MoatlessAction = z.object({
  ...Header,
  type: z.literal('moatless_action'),
  transition: z.number().int().positive(),
  state: z.string(),
  /** Search, Identify, Decision, ApplyChange, LineNumberClarification, or Content (EditCode's free text). */
  action_name: z.string(),
  action: z.union([z.record(z.string(), z.unknown()), z.string()]),
  /** `retry`, a transition trigger, or null (stay). */
  trigger: z.string().nullable(),
  retry_message: z.string().optional(),
  attempts: z.number().int().positive().default(1),
});

export const MoatlessSearch = z.object({
  ...Header,
  type: z.literal('moatless_search'),
  transition: z.number().int().positive(),
  /** `initial_context` (the issue text, before the first SearchCode prompt) or `search` (the model's requests). */
  kind: z.enum(['initial_context', 'search']),
  requests: z.array(z.record(z.string(), z.unknown())).default([]),
  hits: z.array(z.object({ file_path: z.string(), span_ids: z.array(z.string()) })),
  backend: z.string(),
});

export const MoatlessSpans = z.object({
  ...Header,
  type: z.literal('moatless_spans'),
  transition: z.number().int().positive(),
  identified: z.array(z.object({ file_path: z.string(), span_ids: z.array(z.string()) })),
});

export const MoatlessPlan = z.object({
  ...Header,
  type: z.literal('moatless_plan'),
  transition: z.number().int().positive(),
  action: z.string(),
  scratch_pad: z.string().default(''),
  instructions: z.string().optional(),
  file_path: z.string().optional(),
  span_id: z.string().optional(),
  start_line: z.number().int().optional(),
  end_line: z.number().int().optional(),
  /** Where the plan goes next: EditCode, ClarifyCodeChange, Finished, Rejected. */
  next: z.string().optional(),
});

export const MoatlessEdit = z.object({
  ...Header,
  type: z.literal('moatless_edit'),
  transition: z.number().int().positive(),
  file_path: z.string(),
  start_line: z.number().int(),
  end_line: z.number().int(),
  applied: z.boolean(),
  diff: z.string().default(''),
  error: z.string().optional(),
  /** New pylint E/F messages after the edit; null when lint was unavailable. */
  lint: z.array(z.object({ code: z.string(), message: z.string(), line: z.number().int() })).nullable().optional(),
});

/**
 * The fork's prompt log entry `prompt_logs/<id>/<NN>_<State>.json` for one call: the messages are those of the
 * model_request of `turn`, the completion is that turn's model_response. A later call with the same (transition,
 * state) replaces it, as the fork's file was overwritten.
 */
export const MoatlessPromptLog = z.object({
  ...Header,
  type: z.literal('moatless_prompt_log'),
  transition: z.number().int().nonnegative(),
  state: z.string(),
  turn: z.number().int(),
  error: z.string().nullable().default(null),
});

export const RolloutEvent = z.discriminatedUnion('type', [
  RolloutStarted,
  EnvStarting,
  EnvReady,
  ModelRequest,
  ModelDelta,
  ModelResponse,
  ModelRetry,
  ToolStart,
  ToolOutput,
  ToolEnd,
  PatchUpdated,
  AgentStopped,
  VerificationStarted,
  VerificationVerdict,
  VerifierScore,
  RolloutEnded,
  LogEvent,
  MoatlessSetup,
  MoatlessTransition,
  MoatlessAction,
  MoatlessSearch,
  MoatlessSpans,
  MoatlessPlan,
  MoatlessEdit,
  MoatlessPromptLog,
]);
export type RolloutEvent = z.infer<typeof RolloutEvent>;
export type RolloutEventInput = z.input<typeof RolloutEvent>;
export type EventOf<T extends RolloutEvent['type']> = Extract<RolloutEvent, { type: T }>;

/** Distributive Omit over the union, so emitters can pass an event without the header fields. */
type DistOmit<T, K extends keyof any> = T extends unknown ? Omit<T, K> : never;
export type EventBody = DistOmit<RolloutEvent, 'v' | 'ts' | 'rollout' | 'seq'>;

export type EventSink = (e: RolloutEvent) => void;

/** Stamps header fields and fans an event out to listeners. One per rollout. */
export class RolloutEmitter {
  private seq = 0;
  private readonly listeners = new Set<EventSink>();
  constructor(readonly rollout: string, sink?: EventSink) {
    if (sink) this.listeners.add(sink);
  }
  on(sink: EventSink): () => void {
    this.listeners.add(sink);
    return () => this.listeners.delete(sink);
  }
  emit(body: EventBody): RolloutEvent {
    const e = { v: 1, ts: Date.now(), rollout: this.rollout, seq: this.seq++, ...body } as RolloutEvent;
    for (const l of this.listeners) l(e);
    return e;
  }
}
