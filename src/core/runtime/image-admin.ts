import type Dockerode from 'dockerode';
import { imageHandle } from './docker-ref.js';
import { LABELS } from './image-key.js';
import { splitTag } from './build-container.js';

/**
 * swegym's images on an engine, for `swegym images`: the instance images it built (content-keyed, see image-key.ts),
 * the environment layers and the debootstrap bases.
 */
export interface SwegymImage {
  id: string;
  tags: string[];
  kind: 'instance' | 'env' | 'base';
  instance?: string;
  dataset?: string;
  specHash?: string;
  key?: string;
  commit?: string;
  partial: boolean;
  /** Bytes of the image with all its layers. */
  size: number;
  /** Bytes only this image holds (not shared with another image), when the engine reported it. */
  uniqueSize?: number;
  createdMs: number;
  /** Containers (running or stopped) made from it. */
  containers: number;
  /** The newest build for its instance (`:latest` points at it); false for a build a later one superseded. */
  newest: boolean;
}

export async function listSwegymImages(docker: Dockerode, opts: { uniqueSizes?: boolean } = {}): Promise<SwegymImage[]> {
  const [labelled, bases, containers] = await Promise.all([
    docker.listImages({ all: false, filters: { label: [LABELS.layerHash] } }),
    docker.listImages({ all: false, filters: { reference: ['swegym.base'] } }),
    docker.listContainers({ all: true }),
  ]);
  const uses = new Map<string, number>();
  for (const c of containers) uses.set(c.ImageID, (uses.get(c.ImageID) ?? 0) + 1);
  let unique = new Map<string, number>();
  if (opts.uniqueSizes) {
    const df = (await docker.df().catch(() => undefined)) as { Images?: Array<{ Id: string; Size: number; SharedSize: number }> } | undefined;
    unique = new Map((df?.Images ?? []).map((i) => [i.Id, i.SharedSize >= 0 ? i.Size - i.SharedSize : i.Size]));
  }
  const seen = new Set<string>();
  const out: SwegymImage[] = [];
  for (const img of [...labelled, ...bases]) {
    if (seen.has(img.Id)) continue;
    seen.add(img.Id);
    const labels = img.Labels ?? {};
    const tags = (img.RepoTags ?? []).filter((t) => t !== '<none>:<none>');
    const kind: SwegymImage['kind'] = labels[LABELS.instance] ? 'instance' : tags.some((t) => t.startsWith('swegym.base:')) ? 'base' : 'env';
    out.push({
      id: img.Id,
      tags,
      kind,
      instance: labels[LABELS.instance] || undefined,
      dataset: labels[LABELS.dataset] || undefined,
      specHash: labels[LABELS.specHash] || undefined,
      key: labels[LABELS.key] || undefined,
      commit: labels[LABELS.commit] || undefined,
      partial: labels[LABELS.envPartial] === '1',
      size: img.Size,
      uniqueSize: unique.get(img.Id),
      createdMs: img.Created * 1000,
      containers: uses.get(img.Id) ?? 0,
      newest: kind !== 'instance' || tags.some((t) => t.endsWith(':latest')),
    });
  }
  return out.sort((a, b) => (a.instance ?? '').localeCompare(b.instance ?? '') || b.createdMs - a.createdMs);
}

export interface PruneSelection {
  /** Builds a newer one superseded (not `:latest`) and that no container uses. */
  unused?: boolean;
  /** Created more than this many ms ago. */
  olderThanMs?: number;
  /** Only these instances (a dataset's instance ids). */
  instances?: Set<string>;
  /** Every instance image (with the other filters still applied). */
  all?: boolean;
}

/** The instance images a selection picks; images a container still uses are never picked. */
export function selectForPrune(images: SwegymImage[], sel: PruneSelection, now = Date.now()): SwegymImage[] {
  return images.filter((i) => {
    if (i.kind !== 'instance' || i.containers > 0) return false;
    if (sel.instances && !sel.instances.has(i.instance ?? '')) return false;
    if (sel.olderThanMs !== undefined && now - i.createdMs < sel.olderThanMs) return false;
    if (sel.unused && i.newest) return false;
    return sel.all || sel.unused || sel.olderThanMs !== undefined || !!sel.instances;
  });
}

/** Removes an image with all its tags (a tag at a time, so the engine never needs `force`). */
export async function removeImage(docker: Dockerode, image: SwegymImage): Promise<void> {
  if (image.tags.length === 0) await imageHandle(docker, image.id).remove();
  for (const t of image.tags) await imageHandle(docker, t).remove();
}

/**
 * Removes every swegym build that carries `name` (`sweb.eval.x86_64.<id>`): its `:latest` and all its content-keyed
 * `:sg-*` tags. For tests and cleanup scripts that know only the plain name.
 */
export async function removeBuildsOf(docker: Dockerode, name: string): Promise<number> {
  const [repo] = splitTag(name);
  const imgs = await docker.listImages({ filters: { reference: [`${repo}:*`] } });
  let n = 0;
  for (const img of imgs) {
    for (const t of (img.RepoTags ?? []).filter((x) => splitTag(x)[0] === repo)) {
      await imageHandle(docker, t).remove().then(() => n++, () => undefined);
    }
  }
  return n;
}

/** `7d`, `12h`, `30m`, `90s` -> milliseconds. */
export function parseAge(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([smhdw])$/.exec(text.trim());
  if (!m) throw new Error(`--older-than must be a number with a unit s, m, h, d or w (e.g. 7d), got "${text}"`);
  const unit = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 7 * 86400e3 }[m[2] as 's' | 'm' | 'h' | 'd' | 'w'];
  return Number(m[1]) * unit;
}
