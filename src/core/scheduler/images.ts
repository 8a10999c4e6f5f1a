import type { TaskRecord } from '../dataset/schema.js';
import { Semaphore } from './semaphore.js';
import { isEngineUnreachable } from '../runtime/engine-errors.js';

export interface ImageInfo {
  image: string;
  /** How it was obtained: a pulled image may carry history past the base commit, which a rollout strips first. */
  source?: 'local' | 'pulled' | 'built';
  digest?: string;
  /** Built without install steps it needed (--allow-partial-env): verdicts on it are marked env_partial. */
  partial?: boolean;
}

/** How images are obtained and measured; the real one wraps ensureInstanceImage and the Docker API. */
export interface ImageOps {
  /** Pull or build the instance image. Throws an error named 'ImageError' when the instance has no image. */
  ensure(task: TaskRecord, signal?: AbortSignal): Promise<ImageInfo>;
  /** Bytes on disk (0 when unknown). */
  size?(image: string): Promise<number>;
  remove?(image: string): Promise<void>;
}

export class NoImageError extends Error {
  override name = 'NoImageError';
}

export function isNoImageError(e: unknown): boolean {
  const n = (e as { name?: string } | undefined)?.name;
  // An image step that failed because the engine stopped answering is an outage, not a missing image.
  return (n === 'ImageError' || n === 'NoImageError') && !isEngineUnreachable(e);
}

interface Entry {
  promise: Promise<ImageInfo>;
  info?: ImageInfo;
  bytes: number;
  lastUsed: number;
  pins: number;
}

/**
 * Prepares images ahead of the queue (a few distinct instances past the ones running) with a bounded number of
 * builds at a time, and prunes least-recently-used images when their total size passes the disk budget. An image in
 * use (pinned) or wanted soon is never pruned.
 */
export class ImagePrefetcher {
  private readonly entries = new Map<string, Entry>();
  private readonly builds: Semaphore;
  /** Instance ids the queue will need soon; protected from pruning. */
  private wanted = new Set<string>();
  pruned: string[] = [];

  constructor(
    private readonly ops: ImageOps,
    private readonly opts: { parallelBuilds?: number; diskBudgetBytes?: number; onError?: (id: string, e: unknown) => void } = {},
  ) {
    this.builds = new Semaphore(opts.parallelBuilds ?? 1);
  }

  /** Starts preparing (once per instance); the promise rejects with the ensure error. */
  prepare(task: TaskRecord): Promise<ImageInfo> {
    const id = task.instance_id;
    let e = this.entries.get(id);
    if (!e) {
      const entry: Entry = { bytes: 0, lastUsed: Date.now(), pins: 0, promise: Promise.resolve(undefined as unknown as ImageInfo) };
      entry.promise = (async () => {
        const release = await this.builds.acquire();
        try {
          const info = await this.ops.ensure(task);
          entry.info = info;
          entry.bytes = (await this.ops.size?.(info.image).catch(() => 0)) ?? 0;
          return info;
        } finally {
          release();
        }
      })();
      // A failed preparation is reported when a worker asks for it; don't crash the process meanwhile. It is not
      // remembered (unless the instance has no image at all): the infra retry of the rollout tries again.
      entry.promise.catch((err) => {
        if (this.entries.get(id) === entry && !isNoImageError(err)) this.entries.delete(id);
        this.opts.onError?.(id, err);
      });
      this.entries.set(id, entry);
      e = entry;
    }
    return e.promise;
  }

  /** Look-ahead: the next tasks of the queue. */
  prefetch(upcoming: TaskRecord[]): void {
    this.wanted = new Set(upcoming.map((t) => t.instance_id));
    for (const t of upcoming) void this.prepare(t).catch(() => undefined);
  }

  /** Marks an instance's image in use; returns the release. */
  async acquire(task: TaskRecord): Promise<{ info: ImageInfo; release: () => void }> {
    const info = await this.prepare(task);
    const e = this.entries.get(task.instance_id)!;
    e.pins++;
    e.lastUsed = Date.now();
    let done = false;
    return {
      info,
      release: () => {
        if (done) return;
        done = true;
        e.pins--;
        e.lastUsed = Date.now();
        void this.prune();
      },
    };
  }

  totalBytes(): number {
    let t = 0;
    for (const e of this.entries.values()) t += e.bytes;
    return t;
  }

  /** Removes least-recently-used, unpinned, unwanted images until under the budget. */
  async prune(): Promise<string[]> {
    const budget = this.opts.diskBudgetBytes;
    if (!budget || !this.ops.remove) return [];
    const removed: string[] = [];
    const candidates = [...this.entries.entries()]
      .filter(([id, e]) => e.info && e.pins === 0 && !this.wanted.has(id))
      .sort((a, b) => a[1].lastUsed - b[1].lastUsed);
    for (const [id, e] of candidates) {
      if (this.totalBytes() <= budget) break;
      this.entries.delete(id);
      try {
        await this.ops.remove(e.info!.image);
        removed.push(e.info!.image);
      } catch (err) {
        this.opts.onError?.(id, err);
      }
    }
    this.pruned.push(...removed);
    return removed;
  }
}
