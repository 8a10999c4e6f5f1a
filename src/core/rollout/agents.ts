import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Agent } from '../agent/types.js';
import type { TaskRecord } from '../dataset/schema.js';
import { GoldAgent } from '../agent/gold-agent.js';
import { ReplayAgent } from '../agent/replay-agent.js';
import { LlmAgent } from '../agent/llm/agent.js';
import { parseLlmAgentConfig, parseLlmAgentConfigFile, type LlmAgentConfigInput } from '../agent/llm/config.js';
import { SAMPLES_DIR } from '../dataset/samples.js';
import type { RolloutSettings } from './settings.js';
import { MoatlessAgent } from '../agent/moatless/agent.js';
import { moatlessModelCall } from '../agent/moatless/model-call.js';
import { openContainerWorkspace } from '../agent/moatless/workspace.js';
import { moatlessSettingsFrom, parseMoatlessConfig, type MoatlessConfigInput } from '../agent/moatless/config.js';
import { OpenAiChatModel } from '../model/index.js';

/** What a rollout hands an agent factory besides the settings: the task and the per-rollout sampling. */
export interface AgentBuild {
  task: TaskRecord;
  /** Sampling temperature of this (instance, sample); overrides the configured one. */
  temperature?: number;
  seed?: number;
  /** The fetch for calls to this endpoint (the batch's per-endpoint limiter wraps it). */
  fetchFor?: (baseURL: string) => typeof fetch;
  /** Where API keys are looked up (default process.env). */
  env?: Record<string, string | undefined>;
}

/** Whether an agent can run on a task with these settings, and why not (shown in the workbench's chooser). */
export interface AgentAvailability {
  available: boolean;
  note: string;
}

/**
 * One agent kind. Adding an agent to swegym is one entry in AGENTS below: every caller (`run`, `batch`, `resume`,
 * the workbench) lists, checks and builds agents only through this registry.
 */
export interface AgentEntry {
  kind: string;
  /** One line for help texts and the workbench. */
  summary: string;
  /** Calls a model: needs `settings.llm` with a model (and a key for the endpoint). */
  usesModel: boolean;
  /** Throws a bad-input error (exit 2) when the settings cannot work, before any container starts. */
  check(settings: RolloutSettings): void | Promise<void>;
  /** For the workbench's chooser: can it run on this task (or at all, without one)? */
  availability(settings: RolloutSettings, env: Record<string, string | undefined>, task?: TaskRecord): AgentAvailability;
  create(settings: RolloutSettings, build: AgentBuild): Agent | Promise<Agent>;
}

/** The bundled recorded trajectories (the replay agent's default). */
export const TRAJECTORIES_DIR = join(SAMPLES_DIR, 'trajectories');

/** A recorded trajectory for an instance: the file itself, or `<dir>/<instance_id>*.jsonl`. */
export function trajectoryFor(fileOrDir: string | undefined, instanceId: string): string | undefined {
  const where = fileOrDir ?? TRAJECTORIES_DIR;
  if (!existsSync(where)) return undefined;
  if (!statSync(where).isDirectory()) return where;
  const exact = join(where, `${instanceId}.jsonl`);
  if (existsSync(exact)) return exact;
  const f = readdirSync(where).find((n) => n.startsWith(instanceId) && n.endsWith('.jsonl'));
  return f ? join(where, f) : undefined;
}

/** The LLM agent's configuration for one rollout: the configured one with this sample's temperature and seed. */
export function llmConfigFor(settings: RolloutSettings, build: Pick<AgentBuild, 'temperature' | 'seed'>): LlmAgentConfigInput {
  if (!settings.llm?.model) throw new Error('the llm agent needs a configuration (--model / --base-url / --config)');
  return {
    ...settings.llm,
    ...(build.temperature !== undefined ? { temperature: build.temperature } : {}),
    ...(build.seed !== undefined ? { seed: build.seed } : {}),
  };
}

const gold: AgentEntry = {
  kind: 'gold',
  summary: "applies the dataset's reference patch (checks the environment and the harness)",
  usesModel: false,
  check: () => undefined,
  availability: () => ({ available: true, note: "applies the dataset's reference patch (checks the environment and the harness)" }),
  create: () => new GoldAgent(),
};

const replay: AgentEntry = {
  kind: 'replay',
  summary: 'replays a recorded trajectory (JSON lines of rollout events)',
  usesModel: false,
  async check(settings) {
    // A single file is read and validated now: a bad file is an input error, not an infrastructure error.
    if (settings.trajectory && existsSync(settings.trajectory) && statSync(settings.trajectory).isFile()) {
      await new ReplayAgent(settings.trajectory).trajectory();
    } else if (settings.trajectory && !existsSync(settings.trajectory)) {
      throw new Error(`--trajectory ${settings.trajectory}: no such file or folder`);
    }
  },
  availability(settings, _env, task) {
    if (!task) return { available: true, note: 'replays a recorded trajectory' };
    const file = trajectoryFor(settings.trajectory, task.instance_id);
    return file ? { available: true, note: 'replays a recorded trajectory' } : { available: false, note: 'no recorded trajectory for this instance' };
  },
  create(settings, build) {
    const file = trajectoryFor(settings.trajectory, build.task.instance_id);
    if (!file) throw new Error(`no recorded trajectory for ${build.task.instance_id}${settings.trajectory ? ` in ${settings.trajectory}` : ''}`);
    return new ReplayAgent(file);
  },
};

const llm: AgentEntry = {
  kind: 'llm',
  summary: 'the LLM agent (OpenHands CodeAct tools) on any OpenAI-compatible endpoint',
  usesModel: true,
  check(settings) {
    if (!settings.llm?.model) throw new Error('--agent llm needs --model (or "model" in --config)');
    parseLlmAgentConfig(settings.llm, 'command line');
  },
  availability(settings, env) {
    const model = settings.llm?.model;
    const baseUrl = settings.llm?.baseURL;
    const keyEnv = settings.llm?.apiKeyEnv ?? 'OPENAI_API_KEY';
    if (!env[keyEnv]) return { available: false, note: `set ${keyEnv}, then --model / --base-url` };
    if (!model) return { available: false, note: 'pass --model (or set SWEGYM_MODEL) to choose the model' };
    return { available: true, note: `the LLM agent${baseUrl ? ` at ${baseUrl}` : ''}` };
  },
  create(settings, build) {
    const cfg = llmConfigFor(settings, build);
    const baseURL = cfg.baseURL ?? 'https://api.openai.com/v1';
    return new LlmAgent(cfg, { ...(build.fetchFor ? { fetch: build.fetchFor(baseURL) } : {}), ...(build.env ? { env: build.env } : {}) });
  },
};

/** The Moatless configuration of one rollout: its own settings (or the shared model settings) with this sample's temperature and seed. */
export function moatlessConfigFor(settings: RolloutSettings, build: Pick<AgentBuild, 'temperature' | 'seed'>): MoatlessConfigInput {
  const base: MoatlessConfigInput | undefined =
    settings.moatless ??
    (settings.llm?.model
      ? {
          model: settings.llm.model,
          ...(settings.llm.baseURL ? { baseURL: settings.llm.baseURL } : {}),
          ...(settings.llm.apiKeyEnv ? { apiKeyEnv: settings.llm.apiKeyEnv } : {}),
          ...(settings.llm.temperature !== undefined ? { temperature: settings.llm.temperature } : {}),
        }
      : undefined);
  if (!base?.model) throw new Error('the moatless agent needs a model (--model / --base-url / --config)');
  return { ...base, ...(build.temperature !== undefined ? { temperature: build.temperature } : {}), ...(build.seed !== undefined ? { seed: build.seed } : {}) };
}

const moatless: AgentEntry = {
  kind: 'moatless',
  summary: "SWE-Gym's MoatlessTools scaffold (v0.0.2 state machine: search, identify, plan, edit; runs no code) on any OpenAI-compatible endpoint",
  usesModel: true,
  check(settings) {
    parseMoatlessConfig(moatlessConfigFor(settings, {}), 'moatless agent settings');
  },
  availability(settings, env) {
    const model = settings.moatless?.model ?? settings.llm?.model;
    const keyEnv = settings.moatless?.apiKeyEnv ?? settings.llm?.apiKeyEnv ?? 'OPENAI_API_KEY';
    if (!env[keyEnv]) return { available: false, note: `set ${keyEnv}, then --model / --base-url` };
    if (!model) return { available: false, note: 'pass --model (or set SWEGYM_MODEL) to choose the model' };
    return { available: true, note: 'the Moatless agent (SWE-Gym MoatlessTools, BM25 retrieval offline)' };
  },
  create(settings, build) {
    const cfg = parseMoatlessConfig(moatlessConfigFor(settings, build), 'moatless agent settings');
    const env = build.env ?? process.env;
    const model = new OpenAiChatModel({
      baseURL: cfg.baseURL,
      model: cfg.model,
      apiKey: env[cfg.apiKeyEnv],
      timeoutMs: cfg.request_timeout_sec * 1000,
      retry: cfg.retry,
      ...(build.fetchFor ? { fetch: build.fetchFor(cfg.baseURL) } : {}),
    });
    return new MoatlessAgent(cfg, { call: moatlessModelCall(model, { ...(cfg.seed !== undefined ? { seed: cfg.seed } : {}) }), openWorkspace: (ctx, c) => openContainerWorkspace(ctx, c, env) });
  },
};

/** The model settings an agent takes from the command line: `llm` for the LLM agent, `moatless` for Moatless. */
export function modelSettingsFrom(kind: string, o: { config?: string; model?: string; baseUrl?: string; moatlessFix?: string }): Pick<RolloutSettings, 'llm' | 'moatless'> {
  if (kind === 'moatless') return { moatless: moatlessSettingsFrom(o, (f) => readFileSync(f, 'utf8')) };
  return agentEntry(kind).usesModel ? { llm: llmSettingsFrom(o) } : {};
}

/** Every agent swegym can run, in the order they are offered. */
export const AGENTS: readonly AgentEntry[] = [gold, replay, llm, moatless];

export function agentKinds(): string[] {
  return AGENTS.map((a) => a.kind);
}

/** The registry entry of a kind; an unknown kind is a bad-input error that lists the known ones. */
export function agentEntry(kind: string): AgentEntry {
  const e = AGENTS.find((a) => a.kind === kind);
  if (!e) throw new Error(`unknown agent '${kind}' (expected ${agentKinds().join(', ')})`);
  return e;
}

/** Checks the settings' agent up front (bad input, exit 2). */
export async function checkAgent(settings: RolloutSettings): Promise<AgentEntry> {
  const e = agentEntry(settings.agent);
  await e.check(settings);
  return e;
}

export function createAgent(settings: RolloutSettings, build: AgentBuild): Promise<Agent> {
  return Promise.resolve(agentEntry(settings.agent).create(settings, build));
}

/**
 * The LLM settings from the command line: the config file (if any) with --model / --base-url over it, validated now
 * (errors name the file, line and field). Returned as written, not with defaults filled in: that is what a session's
 * manifest records, so a resumed session gets the defaults of its own version.
 */
export function llmSettingsFrom(o: { config?: string; model?: string; baseUrl?: string }): LlmAgentConfigInput {
  const overrides: Record<string, unknown> = { ...(o.model ? { model: o.model } : {}), ...(o.baseUrl ? { baseURL: o.baseUrl } : {}) };
  if (!o.config) {
    if (!overrides.model) throw new Error('--agent llm needs --model (or "model" in --config)');
    parseLlmAgentConfig(overrides, 'command line');
    return overrides as LlmAgentConfigInput;
  }
  let text: string;
  try {
    text = readFileSync(o.config, 'utf8');
  } catch (e) {
    throw new Error(`${o.config}: cannot read the agent config (${e instanceof Error ? e.message : String(e)})`);
  }
  parseLlmAgentConfigFile(text, o.config, overrides);
  const file = JSON.parse(text) as Record<string, unknown>;
  const input = { ...file, ...overrides } as LlmAgentConfigInput;
  if (!input.model) throw new Error('--agent llm needs --model (or "model" in --config)');
  return input;
}
