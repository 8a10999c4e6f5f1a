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
