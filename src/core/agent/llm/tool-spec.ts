import { z } from 'zod';
import type { Tool } from '../tool-types.js';

/** JSON-schema property as far as the text format and validation need it. */
export interface JsonSchemaProp {
  type?: string | string[];
  description?: string;
  enum?: unknown[];
  items?: unknown;
  [k: string]: unknown;
}

export interface FunctionSpec {
  name: string;
  description: string;
  /** Absent when the tool takes no parameters (as OpenHands' `finish`). */
  parameters?: { type: 'object'; properties: Record<string, JsonSchemaProp>; required?: string[]; [k: string]: unknown };
}

const cache = new WeakMap<Tool, FunctionSpec>();

/** zod parameters -> OpenAI function spec. Property order follows the zod object's key order. */
export function toFunctionSpec(tool: Tool): FunctionSpec {
  const hit = cache.get(tool);
  if (hit) return hit;
  const schema = z.toJSONSchema(tool.parameters, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  delete schema.$schema;
  const props = (schema.properties ?? {}) as Record<string, JsonSchemaProp>;
  const spec: FunctionSpec = { name: tool.name, description: tool.description };
  if (Object.keys(props).length > 0) {
    spec.parameters = { ...(schema as object), type: 'object', properties: props } as FunctionSpec['parameters'];
  }
  cache.set(tool, spec);
  return spec;
}

/** The `tools` array of a chat completions request. */
export function toOpenAiTools(tools: Tool[]) {
  return tools.map((t) => {
    const s = toFunctionSpec(t);
    return {
      type: 'function' as const,
      function: { name: s.name, description: s.description, parameters: s.parameters ?? { type: 'object', properties: {} } },
    };
  });
}

export function paramType(p: JsonSchemaProp): string {
  if (typeof p.type === 'string') return p.type;
  if (Array.isArray(p.type)) return p.type.find((t) => t !== 'null') ?? 'string';
  return 'string';
}
