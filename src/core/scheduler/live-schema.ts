import { z } from 'zod';

/**
 * live.json as zod schemas: the live state a batch process publishes and other processes (`show --follow`, another
 * workbench, `swegym control`) read. It crosses processes, so it is validated when read like every other file.
 * Unknown fields are kept: a newer swegym may publish more.
 */
const ActiveRollout = z
  .object({
    rollout_id: z.string(),
    instance_id: z.string(),
    sample: z.number(),
    status: z.enum(['queued', 'running', 'completed', 'infra_error', 'interrupted', 'no_image']),
    scores: z.record(z.string(), z.number()),
    turns: z.number(),
    prompt_tokens: z.number(),
    completion_tokens: z.number(),
    cost_usd: z.number(),
    heartbeat_age_ms: z.number(),
    current_step: z.string().optional(),
    container_id: z.string().optional(),
  })
  .passthrough();

export const SchedulerSnapshotSchema = z
  .object({
    state: z.enum(['running', 'paused', 'stopping', 'stopped', 'done']),
    total: z.number(),
    done: z.number(),
    running: z.number(),
    queued: z.number(),
    resolved: z.number(),
    infra_failures: z.number(),
    retries: z.number(),
    stalled: z.array(z.string()),
    active: z.array(ActiveRollout),
    throughput_per_min: z.number(),
    eta_ms: z.number().optional(),
    cost_usd: z.number(),
    projected_cost_usd: z.number().optional(),
    budget_usd: z.number().optional(),
    tokens: z.number(),
    workers: z.object({ busy: z.number(), max: z.number() }),
    endpoints: z.array(z.object({ url: z.string(), in_flight: z.number(), max: z.number() })),
    containers_swept: z.number(),
  })
  .passthrough();

export const LiveStatusSchema = z
  .object({
    format: z.literal(1),
    pid: z.number(),
    host: z.string(),
    started_at: z.string(),
    updated_at: z.number(),
    control: z.boolean(),
    ended: z.boolean(),
    snapshot: SchedulerSnapshotSchema,
  })
  .passthrough();
