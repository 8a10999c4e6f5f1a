import { z } from 'zod';
import type { TaskRecord } from '../dataset/schema.js';
import type { EnvSpec } from '../runtime/env-spec.js';
import type { RuntimeProvider } from '../runtime/types.js';
import { DockerProvider } from '../runtime/docker.js';
import { loadSpecRegistry } from '../runtime/spec-registry.js';
import { ensureInstanceImage } from '../runtime/images.js';
import { imageOptionsFor } from '../rollout/environment.js';
import type { Verifier } from './types.js';
import { LlmVerifier, LlmVerifierConfig } from './llm/llm-verifier.js';
import { TestsVerifier } from './oracle.js';
import { RegressionRunner } from './regression/runner.js';
import { RegressionVerifier } from './regression/regression-verifier.js';
import { AgreementVerifier } from './agreement/agreement-verifier.js';
import { HybridVerifier } from './hybrid.js';
import { RandomVerifier } from './random.js';
import { MoatlessOrmVerifier } from './moatless/orm-verifier.js';

export const VERIFIER_NAMES = ['llm', 'moatless-orm', 'regression', 'agreement', 'hybrid', 'tests', 'random'] as const;
export type VerifierName = (typeof VERIFIER_NAMES)[number];

/** The verifier config file: one section per verifier (all optional). */
export const VerifierConfig = z
  .object({
    llm: z.record(z.string(), z.unknown()).optional(),
    /** The Moatless verifier's model (same fields as llm); falls back to the llm section. */
    'moatless-orm': z.record(z.string(), z.unknown()).optional(),
    regression: z.object({ timeoutSec: z.number().positive().optional() }).passthrough().optional(),
    agreement: z.object({ behaviour: z.boolean().optional() }).passthrough().optional(),
    random: z.object({ seed: z.number().int().optional() }).optional(),
    hybrid: z
      .object({
        weights: z.partialRecord(z.enum(['llm', 'regression', 'agreement']), z.number().nonnegative()),
      })
      .optional(),
  })
  .passthrough();
export type VerifierConfig = z.infer<typeof VerifierConfig>;

/** Default hybrid weights when the config names none: the two verifiers that need no model endpoint. */
export const DEFAULT_HYBRID_WEIGHTS = { regression: 0.5, agreement: 0.5 } as const;

/** What the Docker-backed verifiers need; everything defaults to the real thing. */
export interface VerifierDeps {
  provider?: RuntimeProvider;
  image?: (task: TaskRecord) => Promise<string>;
  spec?: (task: TaskRecord) => EnvSpec;
  onLog?: (msg: string) => void;
  /** Extra environment spec files (as `--env-spec`). */
  envSpecFiles?: string[];
  /** Where the LLM verifier's key is looked up, under its `apiKeyEnv` (default: the process environment). */
  env?: Record<string, string | undefined>;
}

export async function defaultRunnerDeps(deps: VerifierDeps, cfg: VerifierConfig) {
  const provider = deps.provider ?? new DockerProvider();
  let spec = deps.spec;
  if (!spec) {
    const registry = loadSpecRegistry(deps.envSpecFiles ?? []);
    spec = (t: TaskRecord) => registry.lookup(t.repo, String(t.version));
  }
  const specFn = spec;
  const image = deps.image ?? ((t: TaskRecord) => ensureImage(t, specFn(t), deps.onLog));
  return { provider, image, spec: specFn, timeoutSec: cfg.regression?.timeoutSec, onLog: deps.onLog };
}

/** The instance image as the rollout pipeline finds it (local, else built offline; no pulls). */
async function ensureImage(task: TaskRecord, spec: EnvSpec, onLog?: (m: string) => void): Promise<string> {
  const got = await ensureInstanceImage(task, spec, imageOptionsFor(task, { agent: 'verifier', offline: true, pull_images: false }, { onLog }));
  return got.image;
}

/**
 * A verifier by name. `config` is the parsed config file (sections per verifier); `deps` replaces the Docker
 * provider, the image resolver or the spec lookup (tests pass their own). Regression and agreement inside one
 * hybrid share a runner, so each candidate's tests run once.
 */
export async function verifierByName(name: string, config: unknown = {}, deps: VerifierDeps = {}): Promise<Verifier> {
  const parsed = VerifierConfig.safeParse(config ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`verifier config: field '${issue?.path.join('.') || '(root)'}' ${issue?.message ?? 'is invalid'}`);
  }
  const cfg = parsed.data;
  let runner: RegressionRunner | undefined;
  const getRunner = async () => (runner ??= new RegressionRunner(await defaultRunnerDeps(deps, cfg)));
  const make = async (n: string): Promise<Verifier> => {
    switch (n) {
      case 'tests':
        return new TestsVerifier();
      case 'random':
        return new RandomVerifier(cfg.random?.seed ?? 0);
      case 'llm': {
        const llm = LlmVerifierConfig.safeParse(cfg.llm ?? {});
        if (!llm.success) {
          const issue = llm.error.issues[0];
          throw new Error(`verifier config: field 'llm.${issue?.path.join('.') ?? ''}' ${issue?.message ?? 'is invalid'} (the llm verifier needs "baseURL" and "model")`);
        }
        const env = deps.env ?? process.env;
        return new LlmVerifier(cfg.llm as LlmVerifierConfig, {
          apiKey: env[llm.data.apiKeyEnv],
          onRetry: (r) => deps.onLog?.(`llm verifier: attempt ${r.attempt} failed (${r.status ?? 'no status'}: ${r.error}); retrying in ${r.delayMs} ms`),
        });
      }
      case 'moatless-orm': {
        const section = cfg['moatless-orm'] ?? cfg.llm ?? {};
        const llm = LlmVerifierConfig.safeParse(section);
        if (!llm.success) {
          const issue = llm.error.issues[0];
          throw new Error(`verifier config: field 'moatless-orm.${issue?.path.join('.') ?? ''}' ${issue?.message ?? 'is invalid'} (the moatless-orm verifier needs "baseURL" and "model", in "moatless-orm" or "llm")`);
        }
        const env = deps.env ?? process.env;
        const { provider, image } = await defaultRunnerDeps(deps, cfg);
        return new MoatlessOrmVerifier(section as LlmVerifierConfig, { provider, image }, {
          apiKey: env[llm.data.apiKeyEnv],
          onRetry: (r) => deps.onLog?.(`moatless-orm verifier: attempt ${r.attempt} failed (${r.status ?? 'no status'}: ${r.error}); retrying in ${r.delayMs} ms`),
        });
      }
      case 'regression':
        return new RegressionVerifier(await getRunner());
      case 'agreement': {
        const behaviour = cfg.agreement?.behaviour ?? true;
        return new AgreementVerifier(behaviour ? await getRunner() : undefined, { behaviour });
      }
      case 'hybrid': {
        const weights: Record<string, number | undefined> = cfg.hybrid?.weights ?? { ...DEFAULT_HYBRID_WEIGHTS };
        const parts = [];
        for (const [part, weight] of Object.entries(weights)) if (weight !== undefined && weight > 0) parts.push({ verifier: await make(part), weight });
        return new HybridVerifier(parts);
      }
      default:
        throw new Error(`unknown verifier '${n}' (expected one of: ${VERIFIER_NAMES.join(', ')})`);
    }
  };
  return make(name);
}
