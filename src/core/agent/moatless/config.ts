import { z } from 'zod';
import { FIXABLE_QUIRKS } from './quirks.js';

/**
 * The Moatless agent's configuration. Defaults are SWE-Gym's run of the fork (scripts/single_sampling.py,
 * moatless/loop.py, moatless/benchmark/evaluation.py; facts §2.4-2.5). The API key is never part of it: only the name
 * of the environment variable that holds it.
 */
export const MoatlessConfig = z
  .object({
    baseURL: z.string().url().default('https://api.openai.com/v1'),
    model: z.string().min(1),
    apiKeyEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name').default('OPENAI_API_KEY'),
    /** single_sampling.py default 1.0 (RFT sampling); 0 for the paper's evaluation. */
    temperature: z.number().min(0).max(2).default(1.0),
    seed: z.number().int().optional(),
    max_tokens: z.number().int().positive().default(2000),
    max_prompt_file_tokens: z.number().int().positive().default(12000),
    /** Evaluation(max_file_context_tokens=16000): the shared file context's budget. */
    max_file_context_tokens: z.number().int().positive().default(16000),
    max_transitions: z.number().int().positive().default(25),
    /** More than this many consecutive retries in one state aborts the loop (3 in a row). */
    max_retries: z.number().int().nonnegative().default(2),
    max_rejections: z.number().int().positive().default(2),
    /** USD at claude-3-5-sonnet-20240620 prices (quirk cost_priced_as_claude). */
    max_cost: z.number().positive().default(1.0),
    max_search_results: z.number().int().positive().default(75),
    initial_context_tokens: z.number().int().positive().default(6000),
    initial_search_results: z.number().int().positive().default(100),
    initial_context_spans_per_file: z.number().int().positive().default(5),
    finish_after_relevant_count: z.number().int().positive().default(1),
    max_tokens_in_edit_prompt: z.number().int().positive().default(750),
    plan_max_iterations: z.number().int().positive().default(8),
    edit_max_iterations: z.number().int().positive().default(8),
    edit_max_prompt_file_tokens: z.number().int().positive().default(8000),
    /** instructor's attempts per structured call. */
    json_attempts: z.number().int().positive().default(3),
    /** Send response_format json_object (SGLang/vLLM support it); a server that refuses it is retried without. */
    json_response_format: z.boolean().default(true),
    /** Run pylint in the container after each edit (the fork's verify step); when absent the lint step is flagged. */
    lint: z.boolean().default(true),
    /** Quirks of the fork to fix (default: none, every one kept). */
    fix: z.array(z.enum(FIXABLE_QUIRKS as [string, ...string[]])).default([]),
    /** Semantic search backend: `bm25` (offline default) or an OpenAI-compatible /v1/embeddings endpoint. */
    retrieval: z
      .object({
        backend: z.enum(['bm25', 'embeddings']).default('bm25'),
        baseURL: z.string().url().optional(),
        model: z.string().optional(),
        apiKeyEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).optional(),
      })
      .strict()
      .prefault({}),
    request_timeout_sec: z.number().positive().default(600),
    retry: z
      .object({
        max_attempts: z.number().int().positive().default(6),
        base_delay_ms: z.number().int().nonnegative().default(1000),
        max_delay_ms: z.number().int().nonnegative().default(60000),
      })
      .strict()
      .prefault({}),
  })
  .strict();
export type MoatlessConfig = z.output<typeof MoatlessConfig>;
export type MoatlessConfigInput = z.input<typeof MoatlessConfig>;

export function parseMoatlessConfig(input: unknown, source = 'moatless agent config'): MoatlessConfig {
  const r = MoatlessConfig.safeParse(input);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`${source}: invalid Moatless agent configuration\n${lines.join('\n')}`);
  }
  return r.data;
}

/** claude-3-5-sonnet-20240620 as litellm priced it: $3 per million prompt tokens, $15 per million completion tokens. */
export const MOATLESS_COST_MODEL = 'claude-3-5-sonnet-20240620';
export function moatlessCost(usage: { prompt_tokens: number; completion_tokens: number }): number {
  return (usage.prompt_tokens * 3 + usage.completion_tokens * 15) / 1e6;
}

/** 1-based line of the first `"key":` in a JSON text, or undefined. */
function lineOfKey(text: string, key: string): number | undefined {
  const m = new RegExp(`${JSON.stringify(key).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*:`).exec(text);
  return m ? text.slice(0, m.index).split('\n').length : undefined;
}

/**
 * The Moatless settings from the command line: the --config file (a MoatlessConfig JSON) with --model / --base-url /
 * --moatless-fix over it, validated now: errors name the file, the line of the key and the field (exit 2). Returned
 * as written (defaults are filled in when the agent is built), which is what a session's manifest records.
 */
export function moatlessSettingsFrom(o: { config?: string; model?: string; baseUrl?: string; moatlessFix?: string }, read: (f: string) => string): MoatlessConfigInput {
  const overrides: Record<string, unknown> = {
    ...(o.model ? { model: o.model } : {}),
    ...(o.baseUrl ? { baseURL: o.baseUrl } : {}),
    ...(o.moatlessFix ? { fix: o.moatlessFix.split(',').map((s) => s.trim()).filter(Boolean) } : {}),
  };
  let file: Record<string, unknown> = {};
  let text = '';
  if (o.config) {
    try {
      text = read(o.config);
    } catch (e) {
      throw new Error(`${o.config}: cannot read the agent config (${e instanceof Error ? e.message : String(e)})`);
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (e) {
      throw new Error(`${o.config}: not valid JSON (${e instanceof Error ? e.message : String(e)})`);
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`${o.config}: the agent config must be a JSON object`);
    file = raw as Record<string, unknown>;
  }
  const input = { ...file, ...overrides };
  if (!input.model) throw new Error('--agent moatless needs --model (or "model" in --config)');
  const r = MoatlessConfig.safeParse(input);
  if (!r.success) {
    const where = o.config ?? 'command line';
    const lines = r.error.issues.map((i) => {
      const top = i.path[0];
      const fromFlag = typeof top === 'string' && top in overrides;
      const line = o.config && typeof top === 'string' && !fromFlag ? lineOfKey(text, top) : undefined;
      const keys = i.code === 'unrecognized_keys' ? i.keys.join(', ') : i.path.join('.') || '(root)';
      return `  ${fromFlag ? (o.config ? `${where} (command line)` : where) : line !== undefined ? `${where}:${line}` : where}: field ${keys}: ${i.code === 'unrecognized_keys' ? 'unknown field' : i.message}`;
    });
    throw new Error(`${where}: invalid Moatless agent configuration\n${lines.join('\n')}`);
  }
  return input as MoatlessConfigInput;
}
