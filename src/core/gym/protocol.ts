/**
 * The Gym protocol: every request and response body, defined once with zod. The server validates with these, the
 * OpenAPI document (`GET /v1/openapi.json`) is generated from them with z.toJSONSchema, and docs/gym-protocol.md
 * describes them. Add fields additively.
 */
import { z } from 'zod';
import { INSTANCE_ID_PATTERN, MAX_ID_LENGTH } from '../util/identifiers.js';
import { TestsStatus, TestStatus, VerdictStatus } from '../harness/types.js';
import { Tamper } from '../harness/tamper.js';

export const RewardMode = z.enum(['binary', 'f2p_fraction']).describe(
  "'binary': 1 when resolved, else 0. 'f2p_fraction': 1 when resolved, else the fraction of FAIL_TO_PASS tests passing when every PASS_TO_PASS test passes (0 otherwise).",
);
export type RewardMode = z.infer<typeof RewardMode>;

/** The identifier grammar (src/core/util/identifiers.ts): anything else is a 400, never looked up. */
const InstanceId = z.string().max(MAX_ID_LENGTH).regex(INSTANCE_ID_PATTERN, 'not a valid instance id (letters, digits, and . _ __ - between them)');

/** 'off' (default): the reward follows the official verdict. 'strict': a patch flagged as tampering earns 0. */
export const RewardGuard = z.enum(['off', 'strict']);
export type RewardGuard = z.infer<typeof RewardGuard>;

export const ResetRequest = z
  .object({
    instance_id: InstanceId.describe('Task to play (an instance id of the server dataset).'),
    seed: z.number().int().optional().describe('Recorded with the episode (the environment itself is deterministic).'),
    max_steps: z.number().int().positive().optional().describe('Steps before the episode is truncated (server default otherwise).'),
    time_limit_sec: z.number().positive().optional().describe('Wall-clock seconds before the episode is truncated.'),
    reward: RewardMode.optional(),
  })
  .strict();
export type ResetRequest = z.infer<typeof ResetRequest>;

/** One tool call in the agent's JSON shape; `arguments` may be an object or its JSON text (as models emit it). */
export const JsonAction = z
  .object({
    name: z.string().min(1).describe('execute_bash | str_replace_editor | finish'),
    arguments: z.union([z.record(z.string(), z.unknown()), z.string()]).default({}),
  })
  .strict();
export type JsonAction = z.infer<typeof JsonAction>;

export const Action = z
  .union([JsonAction, z.string().min(1).describe('One call in the text format: <function=NAME>\\n<parameter=P>value</parameter>\\n</function>')])
  .describe('One tool call: JSON shape, or the text format SWE-Gym models were trained on.');
export type Action = z.infer<typeof Action>;

export const StepRequest = z.object({ action: Action }).strict();
export type StepRequest = z.infer<typeof StepRequest>;

export const ToolSchema = z.object({
  name: z.string(),
  description: z.string(),
  parameters: z.record(z.string(), z.unknown()).describe('JSON Schema of the arguments'),
});

export const EpisodeInfo = z
  .object({
    env_id: z.string().optional(),
    rollout_id: z.string().describe('The recorded rollout in the session (open it with `swegym show`).'),
    session: z.string().optional(),
    instance_id: z.string(),
    step: z.number().int().nonnegative().describe('Steps taken so far in this episode.'),
    tool: z.string().optional(),
    exit_code: z.number().int().optional(),
    is_error: z.boolean().optional(),
    timed_out: z.boolean().optional(),
    observation_truncated: z.boolean().optional(),
    duration_ms: z.number().optional(),
    patch: z.string().optional().describe('The candidate patch (at the end of the episode).'),
    stop_reason: z.string().optional().describe('finished | max_turns | wall_clock | ... (at the end of the episode).'),
    verdict: z
      .object({
        status: VerdictStatus,
        resolved: z.boolean(),
        reason: z.string().optional(),
        tests_status: TestsStatus.optional(),
        test_statuses: z.record(z.string(), TestStatus).optional(),
        total_ms: z.number().optional(),
        tamper: Tamper.optional().describe('The patch touched test files, conftest.py or test configuration (the status stays official).'),
      })
      .optional(),
    reward_guard: RewardGuard.optional().describe("'strict': the reward was set to 0 because verdict.tamper is set."),
  })
  .passthrough();

export const ResetInfo = z.object({
  env_id: z.string(),
  rollout_id: z.string(),
  session: z.string().optional(),
  instance_id: z.string(),
  repo: z.string(),
  version: z.string(),
  base_commit: z.string(),
  repo_dir: z.string().describe('Where the repository is (/testbed).'),
  workspace_dir: z.string().describe('The same repository under /workspace, as the agent prompt names it.'),
  image: z.string(),
  warm: z.boolean().describe('True when the environment came from the warm pool.'),
  reset_ms: z.number(),
  max_steps: z.number().int(),
  time_limit_sec: z.number(),
  reward_mode: RewardMode,
  FAIL_TO_PASS: z.array(z.string()),
  PASS_TO_PASS: z.array(z.string()),
  tools: z.array(ToolSchema),
});
export type ResetInfo = z.infer<typeof ResetInfo>;

export const ResetResponse = z.object({
  env_id: z.string(),
  observation: z.string().describe('The first user message the agent sees: the problem statement and where the repository is.'),
  info: ResetInfo,
});
export type ResetResponse = z.infer<typeof ResetResponse>;

export const StepResponse = z.object({
  observation: z.string(),
  reward: z.number().describe('0 until the episode ends; then 1 if resolved (or the F2P fraction, as configured).'),
  terminated: z.boolean().describe('The agent called finish.'),
  truncated: z.boolean().describe('A step or time limit ended the episode.'),
  info: EpisodeInfo,
});
export type StepResponse = z.infer<typeof StepResponse>;

export const ErrorCode = z.enum([
  'bad_request',
  'malformed_action',
  'unknown_instance',
  'unknown_env',
  'episode_done',
  'not_reset',
  'busy',
  'over_capacity',
  'unauthorized',
  'not_found',
  'shutting_down',
  'internal',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const ErrorBody = z.object({ code: ErrorCode, message: z.string() });
export const ErrorResponse = z.object({ error: ErrorBody });
export type ErrorResponse = z.infer<typeof ErrorResponse>;

/** One NDJSON line of `POST /v1/envs/{id}/step/stream`. */
export const StreamLine = z.discriminatedUnion('type', [
  z.object({ type: z.literal('output'), chunk: z.string() }),
  z.object({ type: z.literal('result'), result: StepResponse }),
  z.object({ type: z.literal('error'), error: ErrorBody }),
]);
export type StreamLine = z.infer<typeof StreamLine>;

export const CloseResponse = z.object({ env_id: z.string(), closed: z.boolean() });

export const HealthResponse = z.object({
  ok: z.boolean(),
  version: z.string(),
  envs: z.number().int(),
  max_envs: z.number().int(),
  waiting: z.number().int(),
  pool: z.object({ warm: z.number().int(), starting: z.number().int(), limit_total: z.number().int(), limit_per_instance: z.number().int() }),
  session: z.string().optional(),
});

export const PrefetchRequest = z
  .object({ instance_ids: z.array(InstanceId).min(1).describe('Instances the trainer will reset next: warm environments are prepared for them.') })
  .strict();
export const PrefetchResponse = z.object({ accepted: z.array(z.string()) });

/** An error the client caused (or over-capacity): the HTTP status, a code and a message that says what was wrong. */
export class GymError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'GymError';
  }
}

/** A zod failure as one readable line: `field: problem; field: problem`. */
export function describeIssues(err: z.ZodError, root = 'body'): string {
  return err.issues.map((i) => `${[root, ...i.path.map(String)].join('.')}: ${i.message}`).join('; ');
}
