import type { ChatMessage, StopReason } from '../events.js';

export const IMPORT_FORMATS = ['swegym', 'openhands', 'swe-agent', 'mini-swe-agent', 'moatless'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/** One rollout read from another tool's files, before it becomes session events. */
export interface ImportedRollout {
  instance_id: string;
  /** The trajectory as chat messages (text tool format or native tool calls, as the source had it). */
  messages: ChatMessage[];
  patch: string;
  model?: string;
  stop: { reason: StopReason; message: string };
  /** The source's own resolved flag, when it carries one. */
  resolved?: boolean;
  cost_usd?: number;
  prompt_tokens?: number;
  completion_tokens?: number;
  source: { file: string; line?: number };
  /** Moatless rollouts: the logged calls (one request/response each) and the state transitions, instead of `messages`. */
  moatless?: MoatlessImport;
}

export interface MoatlessImport {
  issue?: string;
  /** prompt_logs/<id>/<NN>_<State>.json in file-name order. */
  calls: { transition: number; state: string; messages: ChatMessage[]; completion: string | null; error: string | null }[];
  transitions: {
    name: string;
    message?: string;
    actions: { action_name: string; action: Record<string, unknown> | string; retry_message?: string; cost: number; input_tokens: number; output_tokens: number }[];
  }[];
}

/** Bad input: names the file, the line (when the format has lines) and the field. */
export class ImportError extends Error {
  override name = 'ImportError';
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly field: string,
    detail: string,
  ) {
    super(`${file}${line !== undefined ? `:${line}` : ''}: field '${field}' ${detail}`);
  }
}

/** Helpers for reading loosely typed JSON with errors that name the field. */
export class Reader {
  constructor(
    readonly file: string,
    readonly line?: number,
  ) {}

  fail(field: string, detail: string): never {
    throw new ImportError(this.file, this.line, field, detail);
  }

  obj(v: unknown, field: string): Record<string, unknown> {
    if (!v || typeof v !== 'object' || Array.isArray(v)) this.fail(field, `must be an object (got ${kind(v)})`);
    return v as Record<string, unknown>;
  }

  arr(v: unknown, field: string): unknown[] {
    if (!Array.isArray(v)) this.fail(field, `must be a list (got ${kind(v)})`);
    return v;
  }

  str(v: unknown, field: string): string {
    if (typeof v !== 'string') this.fail(field, `must be a string (got ${kind(v)})`);
    return v;
  }

  optStr(v: unknown, field: string): string | undefined {
    if (v === undefined || v === null) return undefined;
    return this.str(v, field);
  }

  optBool(v: unknown, field: string): boolean | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'boolean') this.fail(field, `must be true or false (got ${kind(v)})`);
    return v;
  }

  /** Message content: a string, or a list of `{type: 'text', text}` parts (joined), or null. */
  content(v: unknown, field: string): string {
    if (v === null || v === undefined) return '';
    if (typeof v === 'string') return v;
    if (Array.isArray(v)) {
      return v
        .map((p, i) => {
          const part = this.obj(p, `${field}[${i}]`);
          if (part.type === 'text' || typeof part.text === 'string') return this.str(part.text, `${field}[${i}].text`);
          return '';
        })
        .join('');
    }
    this.fail(field, `must be a string or a list of text parts (got ${kind(v)})`);
  }
}

export function kind(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'nothing: the field is missing';
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v)?.slice(0, 40)}`;
}

export const ROLES = new Set(['system', 'user', 'assistant', 'tool']);
