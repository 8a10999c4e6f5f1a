/**
 * The Moatless agent's calls on the one model interface. JSON states ask for `response_format: json_object` (SGLang
 * and vLLM honour it, as SWE-Gym's SGLang server did); an endpoint that refuses the field with a 400 is asked again
 * without it, once, and from then on for the whole rollout; the agent logs that the run fell back.
 */
import { ModelCallError, type ChatModel } from '../../model/index.js';
import type { MoatlessModelCall } from './agent.js';

export function moatlessModelCall(model: ChatModel, opts: { seed?: number } = {}): MoatlessModelCall {
  let jsonModeRefused = false;
  return async (req, hooks) => {
    const send = (jsonMode: boolean) =>
      model.complete(
        {
          messages: req.messages,
          max_tokens: req.max_tokens,
          temperature: req.temperature,
          ...(req.stop && req.stop.length ? { stop: req.stop } : {}),
          ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
          ...(jsonMode ? { response_format: { type: 'json_object' as const } } : {}),
        },
        { signal: hooks.signal, onRetry: hooks.onRetry },
      );
    const wantJson = !!req.json_object && !jsonModeRefused;
    let reply;
    try {
      reply = await send(wantJson);
    } catch (e) {
      if (!wantJson || !(e instanceof ModelCallError) || e.status !== 400 || !/response_format|json_object|json mode/i.test(e.message)) throw e;
      jsonModeRefused = true;
      hooks.onNotice?.(`the endpoint refused response_format json_object (${e.message}); asking without it for the rest of the rollout`);
      reply = await send(false);
    }
    return { content: reply.content, finishReason: reply.finishReason, usage: reply.usage, latencyMs: reply.latencyMs };
  };
}
