import { z } from 'zod';

/**
 * One line of OpenAI's chat fine-tuning JSONL (https://platform.openai.com/docs/guides/fine-tuning, "chat" format
 * with optional function tools): `messages` of system / user / assistant (text or tool calls, optional `weight`) /
 * tool (answering a call by id), optional `tools` and `parallel_tool_calls`. Strict: unknown keys are errors.
 */
const Name = z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/).optional();

export const FtToolCall = z
  .object({
    id: z.string().min(1),
    type: z.literal('function'),
    function: z.object({ name: z.string().min(1), arguments: z.string() }).strict(),
  })
  .strict();

export const FtMessage = z.discriminatedUnion('role', [
  z.object({ role: z.literal('system'), content: z.string(), name: Name }).strict(),
  z.object({ role: z.literal('user'), content: z.string(), name: Name }).strict(),
  z
    .object({
      role: z.literal('assistant'),
      content: z.string().nullable().optional(),
      tool_calls: z.array(FtToolCall).min(1).optional(),
      weight: z.union([z.literal(0), z.literal(1)]).optional(),
      name: Name,
    })
    .strict()
    .refine((m) => (m.content !== undefined && m.content !== null) || m.tool_calls !== undefined, { message: 'an assistant message needs content or tool_calls' }),
  z.object({ role: z.literal('tool'), content: z.string(), tool_call_id: z.string().min(1) }).strict(),
]);

export const FtTool = z
  .object({
    type: z.literal('function'),
    function: z
      .object({
        name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/),
        description: z.string().optional(),
        parameters: z.record(z.string(), z.unknown()).optional(),
        strict: z.boolean().optional(),
      })
      .strict(),
  })
  .strict();

export const ChatFineTuningLine = z
  .object({
    messages: z.array(FtMessage).min(1),
    tools: z.array(FtTool).optional(),
    parallel_tool_calls: z.boolean().optional(),
  })
  .strict()
  .superRefine((line, ctx) => {
    if (!line.messages.some((m) => m.role === 'assistant')) ctx.addIssue({ code: 'custom', path: ['messages'], message: 'needs at least one assistant message' });
    // Every tool message answers a call made earlier in the conversation.
    const calls = new Set<string>();
    line.messages.forEach((m, i) => {
      if (m.role === 'assistant') for (const c of m.tool_calls ?? []) calls.add(c.id);
      if (m.role === 'tool' && !calls.has(m.tool_call_id)) ctx.addIssue({ code: 'custom', path: ['messages', i, 'tool_call_id'], message: `answers no earlier tool call (${m.tool_call_id})` });
    });
  });
export type ChatFineTuningLine = z.infer<typeof ChatFineTuningLine>;
