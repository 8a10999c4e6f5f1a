import { existsSync, readdirSync, statSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import type { RolloutEvent } from '../events.js';
import { scanJsonl } from './jsonl.js';

export interface FollowOptions {
  /** Start at the beginning of every log instead of "from now on". */
  fromStart?: boolean;
  /** Polling interval; fs.watch is the fast path, polling catches what it misses (network filesystems, renames). */
  pollMs?: number;
  onError?: (message: string) => void;
  /** Only logs whose file name passes (e.g. one rollout's attempts). */
  files?: (file: string) => boolean;
}

/** Stops following; `flush()` first reads whatever every log holds now (e.g. once the writer has said it is done). */
export type FollowHandle = (() => void) & { flush(): void };

/**
 * Tails every rollout log of a session (including logs created later) and calls back for each complete new line,
 * in order per file. Works across processes: it only reads the files. Returns an unsubscribe (with a flush).
 */
export function followSession(dir: string, onEvent: (e: RolloutEvent) => void, opts: FollowOptions = {}): FollowHandle {
  const rdir = join(dir, 'rollouts');
  const offsets = new Map<string, number>();
  /** Files whose rollout has ended are only re-read when fs.watch names them. */
  const ended = new Set<string>();
  let closed = false;

  const readFile = (file: string) => {
    if (closed) return;
    const start = offsets.get(file) ?? 0;
    let size: number;
    try {
      size = statSync(join(rdir, file)).size;
    } catch {
      return;
    }
    if (size <= start) return;
    // In slices: a log that grew by a gigabyte is streamed, never held whole.
    for (let at = start; at < size && !closed; ) {
      const chunk = scanJsonl(join(rdir, file), at, 1, (raw) => {
        const e = raw as RolloutEvent;
        if (closed) return;
        if (e && typeof e === 'object' && typeof e.type === 'string') {
          if (e.type === 'rollout_ended') ended.add(file);
          onEvent(e);
        }
      }, { maxBytes: 8 * 1024 * 1024 });
      for (const b of chunk.bad) opts.onError?.(`${join(rdir, file)}: a line is not valid JSON (${b.error})`);
      if (chunk.end === at) break; // only a torn (still being written) line left
      at = chunk.end;
      offsets.set(file, at);
    }
  };

  const scan = (all: boolean) => {
    if (closed || !existsSync(rdir)) return;
    let files: string[];
    try {
      // Attempt order (a2 before a10): a reader from the start sees attempts as they happened.
      files = readdirSync(rdir)
        .filter((f) => f.endsWith('.jsonl') && (!opts.files || opts.files(f)))
        .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
    } catch {
      return;
    }
    for (const f of files) {
      if (!offsets.has(f)) offsets.set(f, 0); // new since we subscribed: read from its start
      if (all || !ended.has(f)) readFile(f);
    }
  };

  // Initial offsets: "from now on" = current sizes.
  if (existsSync(rdir)) {
    for (const f of readdirSync(rdir).filter((x) => x.endsWith('.jsonl') && (!opts.files || opts.files(x)))) {
      offsets.set(f, opts.fromStart ? 0 : statSync(join(rdir, f)).size);
    }
  }
  if (opts.fromStart) scan(true);

  let watcher: FSWatcher | undefined;
  const attachWatcher = () => {
    if (watcher || closed || !existsSync(rdir)) return;
    try {
      watcher = watch(rdir, (_ev, name) => {
        if (closed) return;
        const f = name?.toString();
        if (f && f.endsWith('.jsonl')) {
          if (opts.files && !opts.files(f)) return;
          if (!offsets.has(f)) offsets.set(f, 0);
          readFile(f);
        } else scan(false);
      });
      watcher.on('error', () => {
        watcher?.close();
        watcher = undefined;
      });
    } catch {
      watcher = undefined;
    }
  };
  attachWatcher();
  const timer = setInterval(() => {
    attachWatcher();
    scan(false);
  }, opts.pollMs ?? 250);

  const stop = () => {
    closed = true;
    clearInterval(timer);
    watcher?.close();
  };
  return Object.assign(stop, { flush: () => scan(true) });
}
