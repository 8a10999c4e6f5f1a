import type Dockerode from 'dockerode';
import type { TaskRecord } from '../dataset/schema.js';
import type { EnvSpec } from './env-spec.js';
import { inspectImage } from './build-container.js';
import { instanceImageCandidates, localInstanceImageName, type ImageNaming } from './image-names.js';
import { LABELS } from './image-key.js';
import { installsDebianPackages, needsNetwork, splitCommands } from './network-steps.js';
import { DEBIAN_SUITE } from './base-image.js';
import { tryPull } from './pull.js';

/**
 * What an offline build cannot do. swegym builds environments from Debian packages (a debootstrap base, then the
 * spec's `env_setup`, `pre_install` and `install` run without a network, apt-get excepted): conda, pip from an index,
 * and any Python version Debian does not ship are out of reach. Building anyway gives an environment that looks fine
 * and grades a gold patch "unresolved", so these gaps are an error unless the user accepts a partial environment.
 */

/** The Python that Debian bookworm's `python3` is. */
export const DEBIAN_PYTHON = '3.11';

export interface OfflineGap {
  /** The spec key: python | packages | pip_packages | pre_install[0] | install | env_setup[1] */
  key: string;
  /** What is missing, in words. */
  what: string;
}

function majorMinor(v: string): string {
  return v.split('.').slice(0, 2).join('.');
}

export function offlineGaps(spec: EnvSpec): OfflineGap[] {
  const gaps: OfflineGap[] = [];
  const base = spec.base_packages ?? [];
  if (spec.python) {
    const want = majorMinor(String(spec.python));
    const hasIt = want === DEBIAN_PYTHON || base.some((p) => p === `python${want}` || p.startsWith(`python${want}-`));
    if (!hasIt) gaps.push({ key: 'python', what: `Python ${spec.python} (Debian ${DEBIAN_SUITE} ships Python ${DEBIAN_PYTHON})` });
  }
  if (spec.packages && spec.packages.trim()) {
    const p = spec.packages.trim();
    const what = /\.(txt|ya?ml)$/.test(p) ? `packages from ${p} (installed with conda/pip from an index)` : `conda packages: ${p}`;
    gaps.push({ key: 'packages', what });
  }
  if (spec.pip_packages?.length) gaps.push({ key: 'pip_packages', what: `pip packages: ${spec.pip_packages.join(' ')}` });
  const cmds = (key: string, cmd: string) => {
    for (const part of splitCommands(cmd)) {
      if (needsNetwork(part) && !installsDebianPackages(part)) gaps.push({ key, what: `"${part}" needs the network` });
    }
  };
  (spec.env_setup ?? []).forEach((c, i) => cmds(`env_setup[${i}]`, c));
  (spec.pre_install ?? []).forEach((c, i) => cmds(`pre_install[${i}]`, c));
  if (spec.install) cmds('install', spec.install);
  return gaps;
}

/** The ways out, said the same way everywhere. */
export const OFFLINE_WAYS_OUT = [
  'use an image that has the environment (a local image, or --image-template NAME for your registry or mirror)',
  'pass --env-spec FILE with a spec that installs from Debian packages or local files (docs/env-specs.md)',
  'or pass --allow-partial-env to build without these steps (every verdict from such an environment is marked env_partial)',
];

/** One error text for the instances whose spec has gaps, grouped by repo and version. */
export function describeOfflineGaps(groups: Array<{ repo: string; version: string; instances: string[]; gaps: OfflineGap[] }>): string {
  const lines = ['an offline build cannot do these install steps, and the environment would be broken without them:'];
  for (const g of groups) {
    const n = g.instances.length;
    lines.push(`  ${g.repo} ${g.version} (${n} instance${n === 1 ? '' : 's'}: ${g.instances.slice(0, 3).join(', ')}${n > 3 ? ', ...' : ''}):`);
    for (const gap of g.gaps) lines.push(`    - ${gap.key}: ${gap.what}`);
  }
  lines.push('Ways out:', ...OFFLINE_WAYS_OUT.map((w) => `  - ${w}`));
  return lines.join('\n');
}

/**
 * Before any container runs: the tasks whose environment an offline build cannot complete and for which no usable
 * image is present on any of the engines (the record's image_name, a template name, the official name, or a local
 * image swegym did not build) nor can be pulled. Returns the error text (for exit 2), or undefined when every task can
 * go ahead. An engine that does not answer counts as "no image" here; the run reports the outage itself.
 *
 * Pulls: when `pull(task)` allows one, the first such task's image is pulled here (it is needed anyway). A pull that
 * works shows the registry answers, and the other tasks are left to pull in the run; a registry that cannot be
 * reached (or has no image for the task) makes the task a gap, so a run without a network fails here, not per
 * instance after the batch started.
 */
export async function offlinePreflight(
  tasks: TaskRecord[],
  specFor: (t: TaskRecord) => EnvSpec,
  opts: {
    offline?: boolean;
    allowPartialEnv?: boolean;
    template?: string;
    naming?: (t: TaskRecord) => ImageNaming | undefined;
    docker: Dockerode | Dockerode[];
    /** Whether the run would try `docker pull` for this task (pullPolicy with the run's options); default never. */
    pull?: (t: TaskRecord, spec: EnvSpec) => boolean;
    /** --rebuild: every image is built, whatever is present. */
    rebuild?: boolean;
    say?: (line: string) => void;
  },
): Promise<string | undefined> {
  if (opts.offline === false || opts.allowPartialEnv) return undefined;
  const dockers = Array.isArray(opts.docker) ? opts.docker : [opts.docker];
  const groups = new Map<string, { repo: string; version: string; instances: string[]; gaps: OfflineGap[] }>();
  let pulledOne = false;
  for (const t of tasks) {
    let spec: EnvSpec;
    try {
      spec = specFor(t);
    } catch {
      continue; // no spec: the run says so per instance
    }
    const gaps = offlineGaps(spec);
    if (gaps.length === 0) continue;
    if (!opts.rebuild && (await hasUsableImage(t, dockers, opts))) continue;
    if (!opts.rebuild && dockers[0] && opts.pull?.(t, spec)) {
      if (pulledOne) continue;
      if (await pullOne(t, dockers[0], opts)) {
        pulledOne = true;
        continue;
      }
    }
    const key = `${t.repo}\0${t.version}`;
    const g = groups.get(key) ?? { repo: t.repo, version: String(t.version), instances: [], gaps };
    g.instances.push(t.instance_id);
    groups.set(key, g);
  }
  return groups.size ? describeOfflineGaps([...groups.values()]) : undefined;
}

async function pullOne(t: TaskRecord, docker: Dockerode, opts: { template?: string; naming?: (t: TaskRecord) => ImageNaming | undefined; say?: (line: string) => void }): Promise<boolean> {
  const local = localInstanceImageName(t.instance_id);
  for (const name of instanceImageCandidates(t, { template: opts.template, naming: opts.naming?.(t) })) {
    if (name === local) continue;
    if (await tryPull(docker, name, { idleSec: 20, say: opts.say ?? (() => undefined) })) return true;
  }
  return false;
}

async function hasUsableImage(t: TaskRecord, dockers: Dockerode[], opts: { template?: string; naming?: (t: TaskRecord) => ImageNaming | undefined }): Promise<boolean> {
  const local = localInstanceImageName(t.instance_id);
  for (const docker of dockers) {
    for (const name of instanceImageCandidates(t, { template: opts.template, naming: opts.naming?.(t) })) {
      const info = await inspectImage(docker, name).catch(() => undefined);
      if (!info) continue;
      if (name !== local) return true;
      if (!info.Config?.Labels?.[LABELS.layerHash]) return true;
    }
  }
  return false;
}
