import { createHash } from 'node:crypto';
import type { EnvSpec } from './env-spec.js';
import { canonicalJson } from './spec-registry.js';

/**
 * Content keys of swegym-built instance images. An image is reused only when the key it was built with equals the
 * key the current inputs give; the key covers every input that decides what the image holds:
 *   - the build recipe version (RECIPE_VERSION: bump it whenever the build steps below change what lands in an image),
 *   - the spec entry's build keys (BUILD_KEYS; eval-only keys such as test_cmd or parser do not change an image),
 *   - the image id of the environment layer it starts from (which itself covers the base image id and env_setup),
 *   - the repository and base commit, and the offline/partial mode of the build.
 * The components are stored as labels too, so a stale image can say which of them changed.
 */

/** Bump when the instance build recipe changes what an image holds (steps, strip script, layout). */
export const RECIPE_VERSION = 9;

/** Spec keys that decide the contents of the base, env or instance layer (the others are read at eval time). */
export const BUILD_KEYS = [
  'python',
  'packages',
  'pip_packages',
  'pre_install',
  'install',
  'env_patches',
  'reqs_paths',
  'env_yml_paths',
  'no_use_env',
  'activate',
  'base_packages',
  'env_setup',
] as const;

export const LABELS = {
  /** Legacy marker of a swegym build (kept: other code tells swegym's images from pulled ones by it). */
  layerHash: 'io.swegym.layer-hash',
  key: 'io.swegym.key',
  recipe: 'io.swegym.recipe',
  specHash: 'io.swegym.spec-hash',
  /** Canonical JSON of the spec's build keys: lets a stale image name the keys that changed. */
  buildSpec: 'io.swegym.build-spec',
  baseId: 'io.swegym.base-id',
  envId: 'io.swegym.env-id',
  repo: 'io.swegym.repo',
  commit: 'io.swegym.commit',
  instance: 'io.swegym.instance',
  offline: 'io.swegym.offline',
  /** '1' when an offline build left out install steps it could not do (`--allow-partial-env`). */
  envPartial: 'io.swegym.env-partial',
  /** The dataset the task came from, when the caller knows it (for `swegym images prune --dataset`). */
  dataset: 'io.swegym.dataset',
  /** 'base' | 'env' | 'repo' | 'instance' */
  kind: 'io.swegym.kind',
} as const;

export function shortHash(value: string, n = 16): string {
  return createHash('sha256').update(value).digest('hex').slice(0, n);
}

/** The spec's build keys, as an object with only the keys that are set. */
export function buildSpec(spec: EnvSpec): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of BUILD_KEYS) if ((spec as Record<string, unknown>)[k] !== undefined) out[k] = (spec as Record<string, unknown>)[k];
  return out;
}

export function buildSpecHash(spec: EnvSpec): string {
  return shortHash(canonicalJson(buildSpec(spec)), 12);
}

export interface KeyInputs {
  spec: EnvSpec;
  baseId: string;
  envId: string;
  repo: string;
  commit: string;
  offline: boolean;
  partial: boolean;
}

export function instanceKey(k: KeyInputs): string {
  return shortHash(
    canonicalJson({
      recipe: RECIPE_VERSION,
      spec: buildSpec(k.spec),
      env: k.envId,
      repo: k.repo.toLowerCase(),
      commit: k.commit,
      offline: k.offline,
      partial: k.partial,
    }),
  );
}

/** The labels an instance image is committed with. */
export function keyLabels(k: KeyInputs, instanceId: string, dataset?: string): Record<string, string> {
  const key = instanceKey(k);
  const labels: Record<string, string> = {
    [LABELS.layerHash]: key,
    [LABELS.key]: key,
    [LABELS.recipe]: String(RECIPE_VERSION),
    [LABELS.specHash]: buildSpecHash(k.spec),
    [LABELS.buildSpec]: canonicalJson(buildSpec(k.spec)),
    [LABELS.baseId]: k.baseId,
    [LABELS.envId]: k.envId,
    [LABELS.repo]: k.repo,
    [LABELS.commit]: k.commit,
    [LABELS.instance]: instanceId,
    [LABELS.offline]: k.offline ? '1' : '0',
    [LABELS.envPartial]: k.partial ? '1' : '0',
    [LABELS.kind]: 'instance',
  };
  if (dataset) labels[LABELS.dataset] = dataset;
  return labels;
}

/** The tag a build with this key gets: `<name>:sg-<key>`, so builds from different inputs never share a name. */
export function keyedTag(localName: string, key: string): string {
  return `${localName}:sg-${key}`;
}

/**
 * Why an image with `labels` does not match the current inputs, in words ("its env spec changed (install)",
 * "the environment layer changed", ...); [] when it matches.
 */
export function staleReasons(labels: Record<string, string> | undefined, k: KeyInputs): string[] {
  const l = labels ?? {};
  if (!l[LABELS.key]) return ['it was built by an older swegym that did not record a content key'];
  if (l[LABELS.key] === instanceKey(k)) return [];
  const out: string[] = [];
  if (l[LABELS.recipe] !== String(RECIPE_VERSION)) out.push(`the build recipe changed (v${l[LABELS.recipe] ?? '?'} -> v${RECIPE_VERSION})`);
  const now = buildSpec(k.spec);
  let was: Record<string, unknown> = {};
  try {
    was = JSON.parse(l[LABELS.buildSpec] ?? '{}') as Record<string, unknown>;
  } catch {
    /* unreadable label: reported as a spec change below */
  }
  const changed = [...new Set([...Object.keys(was), ...Object.keys(now)])].filter((key) => canonicalJson(was[key]) !== canonicalJson(now[key])).sort();
  if (changed.length) out.push(`its env spec changed (${changed.join(', ')})`);
  if (l[LABELS.baseId] && l[LABELS.baseId] !== k.baseId) out.push('the base image changed');
  else if (l[LABELS.envId] !== k.envId) out.push('the environment layer changed');
  if (l[LABELS.commit] !== k.commit) out.push(`the base commit changed (${(l[LABELS.commit] ?? '?').slice(0, 10)} -> ${k.commit.slice(0, 10)})`);
  if (l[LABELS.repo] && l[LABELS.repo].toLowerCase() !== k.repo.toLowerCase()) out.push(`the repository changed (${l[LABELS.repo]} -> ${k.repo})`);
  if ((l[LABELS.offline] === '1') !== k.offline) out.push(k.offline ? 'this build is offline' : 'this build may use the network');
  if ((l[LABELS.envPartial] === '1') !== k.partial) out.push(k.partial ? 'this build is partial (--allow-partial-env)' : 'the old build was partial');
  return out.length ? out : ['its content key differs'];
}
