import Dockerode from 'dockerode';
import { loadTasks } from '../../core/dataset/index.js';
import { listSwegymImages, parseAge, removeImage, selectForPrune, type PruneSelection, type SwegymImage } from '../../core/runtime/index.js';
import { sanitize } from '../../core/util/index.js';

export interface ImagesOptions {
  /** 'list' (default) or 'prune'. */
  action?: string;
  unused?: boolean;
  olderThan?: string;
  dataset?: string;
  all?: boolean;
  dryRun?: boolean;
  json?: boolean;
}

export interface ImagesIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

const stdio: ImagesIo = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

function bytes(n: number | undefined): string {
  if (n === undefined) return '?';
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(0)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(0)} kB`;
  return `${n} B`;
}

function age(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 3600) return `${Math.round(s / 60)}m`;
  if (s < 86400) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86400)}d`;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n';
}

/**
 * `swegym images`: swegym's images on the local engine (instance images with their instance, spec hash, size and
 * age; environment layers; debootstrap bases). `swegym images prune` removes instance images: --unused (superseded
 * by a newer build), --older-than 7d, --dataset X (that dataset's instances), --all; filters combine. Images a
 * container uses are never removed. Exit 0, 2 on bad input, 1 when the engine cannot be reached.
 */
export async function imagesCommand(opts: ImagesOptions, io: ImagesIo = stdio): Promise<number> {
  const action = opts.action ?? 'list';
  let sel: PruneSelection = {};
  try {
    if (action !== 'list' && action !== 'prune') throw new Error(`unknown action "${action}": use list or prune`);
    if (opts.olderThan !== undefined) sel.olderThanMs = parseAge(opts.olderThan);
    if (opts.dataset !== undefined) sel.instances = new Set((await loadTasks(opts.dataset)).tasks.map((t) => t.instance_id));
    sel = { ...sel, unused: opts.unused, all: opts.all };
    if (action === 'prune' && !sel.unused && !sel.all && sel.olderThanMs === undefined && !sel.instances) {
      throw new Error('prune needs a selection: --unused, --older-than AGE, --dataset NAME or --all');
    }
  } catch (e) {
    io.err(`swegym images: ${sanitize((e as Error).message)}\n`);
    return 2;
  }
  const docker = new Dockerode();
  let images: SwegymImage[];
  try {
    images = await listSwegymImages(docker, { uniqueSizes: action === 'list' });
  } catch (e) {
    io.err(`swegym images: the Docker engine did not answer: ${sanitize((e as Error).message)}\n`);
    return 1;
  }
  const now = Date.now();
  if (action === 'list') {
    const shown = images.filter((i) => !sel.instances || i.kind !== 'instance' || sel.instances.has(i.instance ?? ''));
    if (opts.json) {
      io.out(`${JSON.stringify(shown, null, 2)}\n`);
      return 0;
    }
    if (shown.length === 0) {
      io.out('no swegym images on this engine\n');
      return 0;
    }
    const rows = [['KIND', 'INSTANCE', 'SPEC', 'NAME', 'SIZE', 'UNIQUE', 'AGE', 'NOTE']];
    for (const i of shown) {
      const note = [i.kind === 'instance' && !i.newest ? 'superseded' : '', i.partial ? 'env_partial' : '', i.containers ? `in use (${i.containers})` : ''].filter(Boolean).join(', ');
      rows.push([i.kind, sanitize(i.instance ?? '-'), i.specHash ?? '-', sanitize(i.tags.find((t) => t.includes(':sg-')) ?? i.tags[0] ?? i.id.slice(7, 19)), bytes(i.size), bytes(i.uniqueSize), age(now - i.createdMs), note]);
    }
    io.out(table(rows));
    const inst = shown.filter((i) => i.kind === 'instance');
    io.out(`${inst.length} instance image(s), ${shown.length - inst.length} layer image(s); unique bytes of instance images: ${bytes(inst.reduce((a, i) => a + (i.uniqueSize ?? 0), 0))}\n`);
    return 0;
  }
  const picked = selectForPrune(images, sel, now);
  let freed = 0;
  let failed = 0;
  for (const i of picked) {
    const name = sanitize(i.tags[0] ?? i.id);
    if (opts.dryRun) {
      io.out(`would remove ${name} (${sanitize(i.instance ?? '')})\n`);
      continue;
    }
    try {
      await removeImage(docker, i);
      freed++;
      io.out(`removed ${name}\n`);
    } catch (e) {
      failed++;
      io.err(`swegym images: could not remove ${name}: ${sanitize((e as Error).message)}\n`);
    }
  }
  io.out(opts.dryRun ? `${picked.length} image(s) would be removed\n` : `removed ${freed} image(s)${failed ? `, ${failed} could not be removed` : ''}\n`);
  return failed ? 1 : 0;
}
