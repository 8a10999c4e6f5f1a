import type { ChatMessage, RolloutEmitter, StopReason, Usage } from '../events.js';
import type { AgentInfo } from '../events.js';
import type { TaskRecord } from '../dataset/schema.js';
import type { Runtime } from '../runtime/types.js';
import type { z } from 'zod';

export interface AgentContext {
  runtime: Runtime;
  task: TaskRecord;
  emitter: RolloutEmitter;
  /** Aborting interrupts the agent (stop reason `interrupted`). */
  signal: AbortSignal;
  /** /testbed */
  repoDir: string;
  /** /workspace/<repo with / -> __>__<version>, a symlink to repoDir. */
  workspaceDir: string;
}

export interface AgentResult {
  reason: StopReason;
  message: string;
  /** Final patch from `git add -A && git diff --cached base_commit`. */
  patch: string;
  turns: number;
  usage: Usage;
  cost_usd: number;
  /** The trajectory as chat messages (for fine-tuning export). */
  messages: ChatMessage[];
}

export interface Agent {
  readonly info: z.input<typeof AgentInfo>;
  run(ctx: AgentContext): Promise<AgentResult>;
}
