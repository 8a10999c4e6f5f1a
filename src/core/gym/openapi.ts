import { z } from 'zod';
import { VERSION } from '../version.js';
import {
  Action,
  CloseResponse,
  ErrorResponse,
  HealthResponse,
  PrefetchRequest,
  PrefetchResponse,
  ResetRequest,
  ResetResponse,
  StepRequest,
  StepResponse,
  StreamLine,
} from './protocol.js';

/** Request bodies are published as clients may send them (defaults optional), responses as the server sends them. */
const REQUESTS = { ResetRequest, StepRequest, Action, PrefetchRequest } as const;
const RESPONSES = { ResetResponse, StepResponse, StreamLine, CloseResponse, HealthResponse, PrefetchResponse, ErrorResponse } as const;

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const s = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>;
  delete s.$schema;
  return s;
}

/** Every body as JSON Schema (2020-12), from the zod definitions the server validates with. */
export function protocolSchemas(): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [name, s] of Object.entries(REQUESTS)) out[name] = jsonSchema(s, 'input');
  for (const [name, s] of Object.entries(RESPONSES)) out[name] = jsonSchema(s, 'output');
  return out;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (name: string) => ({ content: { 'application/json': { schema: ref(name) } } });
const errors = (...codes: number[]) =>
  Object.fromEntries(codes.map((c) => [String(c), { description: ERROR_TEXT[c] ?? 'error', ...json('ErrorResponse') }]));
const ERROR_TEXT: Record<number, string> = {
  400: 'malformed request or action (the episode goes on)',
  401: 'missing or wrong bearer token',
  404: 'unknown instance or env id',
  409: 'step after the episode ended, before reset, or while another step runs',
  429: 'all environments in use (server started with --over-cap 429)',
  500: 'infrastructure failure',
  503: 'shutting down',
};
const envId = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };

let cached: Record<string, unknown> | undefined;

/** The OpenAPI 3.1 document served at GET /v1/openapi.json. */
export function openApiDocument(): Record<string, unknown> {
  cached ??= {
    openapi: '3.1.0',
    info: {
      title: 'swegym Gym API',
      version: VERSION,
      description: 'SWE-Gym environments for RL trainers: reset an instance, step tool calls, get the test verdict as the reward. Every episode is recorded as a rollout in the server session.',
    },
    components: {
      schemas: protocolSchemas(),
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
    },
    security: [{ bearer: [] }],
    paths: {
      '/v1/health': { get: { summary: 'liveness, capacity and pool state', security: [], responses: { '200': { description: 'ok', ...json('HealthResponse') } } } },
      '/v1/openapi.json': { get: { summary: 'this document', responses: { '200': { description: 'OpenAPI 3.1' } } } },
      '/v1/envs': {
        post: {
          summary: 'create an environment and reset it to an instance (waits or 429 over the cap)',
          requestBody: { required: true, ...json('ResetRequest') },
          responses: { '201': { description: 'first observation and info', ...json('ResetResponse') }, ...errors(400, 401, 404, 429, 500, 503) },
        },
      },
      '/v1/envs/{id}': {
        get: { summary: 'state of an environment', parameters: [envId], responses: { '200': { description: 'state' }, ...errors(401, 404) } },
        delete: { summary: 'close an environment (removes its container)', parameters: [envId], responses: { '200': { description: 'closed', ...json('CloseResponse') }, ...errors(401, 404) } },
      },
      '/v1/envs/{id}/reset': {
        post: {
          summary: 'start a new episode in an existing environment',
          parameters: [envId],
          requestBody: { required: true, ...json('ResetRequest') },
          responses: { '200': { description: 'first observation and info', ...json('ResetResponse') }, ...errors(400, 401, 404, 409, 500) },
        },
      },
      '/v1/envs/{id}/step': {
        post: {
          summary: 'one tool call; at finish or a limit the patch is verified and the reward given',
          parameters: [envId],
          requestBody: { required: true, ...json('StepRequest') },
          responses: { '200': { description: 'observation, reward, terminated, truncated, info', ...json('StepResponse') }, ...errors(400, 401, 404, 409, 500) },
        },
      },
      '/v1/envs/{id}/step/stream': {
        post: {
          summary: 'the same step, streaming output chunks of long commands as NDJSON, then the result line',
          parameters: [envId],
          requestBody: { required: true, ...json('StepRequest') },
          responses: {
            '200': { description: 'one StreamLine per line', content: { 'application/x-ndjson': { schema: ref('StreamLine') } } },
            ...errors(400, 401, 404, 409, 500),
          },
        },
      },
      '/v1/pool/prefetch': {
        post: {
          summary: 'hint: these instances come next (warm environments are prepared for them)',
          requestBody: { required: true, ...json('PrefetchRequest') },
          responses: { '202': { description: 'accepted', ...json('PrefetchResponse') }, ...errors(400, 401, 404) },
        },
      },
    },
  };
  return cached;
}
