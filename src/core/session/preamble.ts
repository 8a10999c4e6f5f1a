import type { TaskRecord } from '../dataset/schema.js';
import { buildFirstUserMessage, buildSystemPrompt, loadPrompts, type PromptSet } from '../agent/prompts.js';
import type { Preamble } from './trajectory.js';

/**
 * Preambles per instance from the agent's own prompt templates (prompts/), so that tool-only rollouts read like
 * the agent's: its system prompt, then the first user message with the problem statement and the repository path.
 */
export async function taskPreambles(tasks: ReadonlyMap<string, TaskRecord>, promptDir?: string): Promise<Map<string, Preamble>> {
  const out = new Map<string, Preamble>();
  if (!tasks.size) return out;
  const prompts: PromptSet = await loadPrompts(promptDir);
  const system = buildSystemPrompt(prompts);
  for (const [id, task] of tasks) out.set(id, { system, user: (repoDir) => buildFirstUserMessage(prompts, task, { workspaceDir: repoDir }) });
  return out;
}
