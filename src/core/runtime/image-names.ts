/**
 * Instance image names (facts §1.2):
 * - SWE-Gym prebuilt: `docker.io/xingyaoww/sweb.eval.x86_64.<instance_id>` with `__` -> `_s_`, all lower-cased.
 * - SWE-bench v2 local build: `sweb.eval.x86_64.<instance_id lower>` (also what swegym's builder produces).
 * - SWE-bench v3+ remote: `{namespace}/sweb.eval.{arch}.{instance_id lower, __ -> _1776_}`.
 * - A user template (`--image-template 'myreg/{id_s}:latest'`); the record's own image_name wins over all.
 */

/** 'none': the dataset has no published images (swegym's samples, a private dataset): look only for local ones. */
export type ImageNaming = 'swegym' | 'swebench' | 'none';

export interface ImageNameOptions {
  naming?: ImageNaming;
  /** Template with placeholders, see `applyImageTemplate`. */
  template?: string;
  /** SWE-bench v3+ namespace (default "swebench"). */
  namespace?: string;
  arch?: string;
}

export const SWEGYM_REGISTRY_PREFIX = 'docker.io/xingyaoww/';

export function swegymImageName(instanceId: string): string {
  return `${SWEGYM_REGISTRY_PREFIX}sweb.eval.x86_64.${instanceId.replace(/__/g, '_s_')}`.toLowerCase();
}

/** The name SWE-bench's v2 harness (and swegym's own builder) gives a locally built instance image. */
export function localInstanceImageName(instanceId: string, arch = 'x86_64'): string {
  return `sweb.eval.${arch}.${instanceId.toLowerCase()}`;
}

export function swebenchRemoteImageName(instanceId: string, namespace = 'swebench', arch = 'x86_64'): string {
  return `${namespace}/sweb.eval.${arch}.${instanceId.toLowerCase().replace(/__/g, '_1776_')}`;
}

/**
 * Placeholders: `{id}` (as in the record), `{id_lower}`, `{id_s}` (SWE-Gym: `__`->`_s_`, lower),
 * `{id_1776}` (SWE-bench v3: `__`->`_1776_`, lower), `{arch}`, `{repo}` (owner__name, lower), `{version}`.
 * A template without any `{` is a prefix: `myreg/` + the local name.
 */
export function applyImageTemplate(
  template: string,
  task: { instance_id: string; repo?: string; version?: string },
  arch = 'x86_64',
): string {
  if (!template.includes('{')) return `${template}${localInstanceImageName(task.instance_id, arch)}`;
  const id = task.instance_id;
  const values: Record<string, string> = {
    id,
    id_lower: id.toLowerCase(),
    id_s: id.replace(/__/g, '_s_').toLowerCase(),
    id_1776: id.toLowerCase().replace(/__/g, '_1776_'),
    arch,
    repo: (task.repo ?? '').replace('/', '__').toLowerCase(),
    version: task.version ?? '',
  };
  return template.replace(/\{(\w+)\}/g, (m, key: string) => {
    if (!(key in values)) throw new Error(`image template ${JSON.stringify(template)}: unknown placeholder ${m}`);
    return values[key]!;
  });
}

/**
 * Candidate names for a task's image, most preferred first: the record's image_name, the template, the
 * naming scheme's remote name, then the local build name. Duplicates removed.
 */
export function instanceImageCandidates(
  task: { instance_id: string; repo?: string; version?: string; image_name?: string; image?: string },
  opts: ImageNameOptions = {},
): string[] {
  const arch = opts.arch ?? 'x86_64';
  const out: string[] = [];
  if (task.image_name) out.push(task.image_name);
  // SWE-bench 5.x records name their image (`image`), as main's make_test_spec reads it.
  if (task.image) out.push(task.image);
  // A template says where this user's images live (a mirror, an air-gapped registry): it replaces the public name,
  // so a miss there does not go on to try a registry the user never named.
  if (opts.template) out.push(applyImageTemplate(opts.template, task, arch));
  else if ((opts.naming ?? 'swegym') === 'swegym') out.push(swegymImageName(task.instance_id));
  else if (opts.naming === 'swebench') out.push(swebenchRemoteImageName(task.instance_id, opts.namespace, arch));
  out.push(localInstanceImageName(task.instance_id, arch));
  return [...new Set(out)];
}

/** The preferred (first) candidate. */
export function instanceImageName(
  task: { instance_id: string; repo?: string; version?: string; image_name?: string; image?: string },
  opts: ImageNameOptions = {},
): string {
  return instanceImageCandidates(task, opts)[0]!;
}

/** `docker.io/x/y` and `x/y:latest` both name `x/y:latest`: normalise for comparisons and lookups. */
export function withTag(name: string): string {
  const lastSlash = name.lastIndexOf('/');
  return name.slice(lastSlash + 1).includes(':') || name.includes('@') ? name : `${name}:latest`;
}
