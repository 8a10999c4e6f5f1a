import { z } from 'zod';

export const Price = z
  .object({
    /** USD per million prompt tokens. */
    input_per_mtok: z.number().nonnegative(),
    /** USD per million completion tokens. */
    output_per_mtok: z.number().nonnegative(),
  })
  .strict();
export type Price = z.infer<typeof Price>;

/**
 * Configuration of the LLM agent. Defaults follow SWE-Gym's OpenHands CodeAct runs (facts §4): 100 turns
 * (evaluation; SWE-Gym used 30/50 for collecting training data), observations capped at 30,000 characters,
 * context overflow handled by dropping the older half of the history.
 * The API key itself is never part of the config: only the name of the environment variable that holds it.
 */
export const LlmAgentConfig = z
  .object({
    baseURL: z.string().url().default('https://api.openai.com/v1'),
    model: z.string().min(1),
    apiKeyEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name').default('OPENAI_API_KEY'),
    temperature: z.number().min(0).max(2).optional(),
    top_p: z.number().gt(0).max(1).optional(),
    max_tokens: z.number().int().positive().optional(),
    seed: z.number().int().optional(),
    stop: z.array(z.string()).max(4).optional(),
    tool_mode: z.enum(['native', 'text']).default('native'),
    stream: z.boolean().default(false),
    max_turns: z.number().int().positive().default(100),
    /** Prompt + completion tokens over all calls. */
    max_total_tokens: z.number().int().positive().optional(),
    cost_cap_usd: z.number().positive().optional(),
    wall_clock_sec: z.number().positive().optional(),
    context_window_policy: z.enum(['stop', 'truncate']).default('truncate'),
    observation_max_chars: z.number().int().positive().default(30000),
    /** false: run every call of a reply in order; true: only the first. */
    first_call_only: z.boolean().default(false),
    hints: z.boolean().default(false),
    think: z.boolean().default(false),
    /** Text mode only: wrap the first user message in OpenHands' in-context example (its default). */
    in_context_example: z.boolean().default(true),
    bash_timeout_sec: z.number().positive().default(300),
    prompt_dir: z.string().optional(),
    /** Per-model price overrides, merged over config/prices.json (or `prices_file`). */
    prices: z.record(z.string(), Price).optional(),
    prices_file: z.string().optional(),
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
export type LlmAgentConfig = z.output<typeof LlmAgentConfig>;
export type LlmAgentConfigInput = z.input<typeof LlmAgentConfig>;

/** Parse with an error that names the source and every bad field. */
export function parseLlmAgentConfig(input: unknown, source = 'agent config'): LlmAgentConfig {
  const r = LlmAgentConfig.safeParse(input);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`${source}: invalid LLM agent configuration\n${lines.join('\n')}`);
  }
  return r.data;
}

/** 1-based line of the first `"key":` in a JSON text (for error messages), or undefined. */
function lineOfKey(text: string, key: string): number | undefined {
  const escaped = JSON.stringify(key).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = new RegExp(`${escaped}\\s*:`).exec(text);
  return m ? text.slice(0, m.index).split('\n').length : undefined;
}

/**
 * An agent config file (JSON). Every problem is reported with the file, the line of the offending key (when it can be
 * found) and the field, e.g. `run.json:3: field tool_mode: Invalid option...`. `overrides` (command-line flags)
 * are applied over the file before validation.
 */
export function parseLlmAgentConfigFile(text: string, file: string, overrides: Record<string, unknown> = {}): LlmAgentConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`${file}: the agent config must be a JSON object`);
  const input = { ...(raw as Record<string, unknown>), ...overrides };
  const r = LlmAgentConfig.safeParse(input);
  if (r.success) return r.data;
  const lines: string[] = [];
  for (const issue of r.error.issues) {
    const keys = issue.code === 'unrecognized_keys' ? issue.keys.map((k) => [...issue.path, k]) : [issue.path];
    for (const p of keys) {
      const top = p[0];
      const fromFlag = typeof top === 'string' && top in overrides;
      const line = typeof top === 'string' && !fromFlag ? lineOfKey(text, top) : undefined;
      const where = fromFlag ? `${file} (command line)` : line !== undefined ? `${file}:${line}` : file;
      const secret = typeof top === 'string' && /api_?key|secret|token$/i.test(top) && top !== 'apiKeyEnv';
      const msg =
        issue.code !== 'unrecognized_keys'
          ? issue.message
          : secret
            ? 'unknown field (keys are never read from files: put the key in an environment variable and name it in apiKeyEnv)'
            : 'unknown field';
      lines.push(`  ${where}: field ${p.join('.') || '(root)'}: ${msg}`);
    }
  }
  throw new Error(`${file}: invalid LLM agent configuration\n${lines.join('\n')}`);
}
