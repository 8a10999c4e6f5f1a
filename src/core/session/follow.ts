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
  /**
   * Where logs stand already (the session index's rows): followed from that offset instead of their size, and logs
   * of ended rollouts are not polled, so following a session of 39,008 finished rollouts costs nothing per poll.
   */
  known?: Map<string, { offset: number; ended: boolean }>;
}

/** Stops following; `flush()` first reads whatever every log holds now (e.g. once the writer has said it is done). */
export type FollowHandle = (() => void) & { flush(): void };

/** A folder modified this recently may change again within the same timestamp tick: list it again to be sure. */
const RACY_MS = 2000;

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

  /** The rollouts folder's mtime when last listed: a new log changes it; appends to a log do not. */
  let listedMtime = -1;
  const scan = (all: boolean) => {
    if (closed || !existsSync(rdir)) return;
    if (!all) {
      let mtime: number;
      try {
        mtime = statSync(rdir).mtimeMs;
      } catch {
        return;
      }
      if (mtime === listedMtime && Date.now() - mtime > RACY_MS) {
        // No log added since the last listing: only the unfinished ones can have grown.
        for (const f of offsets.keys()) if (!ended.has(f)) readFile(f);
        return;
      }
      listedMtime = mtime;
    }
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

  // Initial offsets: "from now on" = current sizes (or where the index says a log stands).
  if (existsSync(rdir)) {
    listedMtime = statSync(rdir).mtimeMs;
    for (const f of readdirSync(rdir).filter((x) => x.endsWith('.jsonl') && (!opts.files || opts.files(x)))) {
      const k = opts.fromStart ? undefined : opts.known?.get(f);
      if (k?.ended) ended.add(f);
      try {
        offsets.set(f, opts.fromStart ? 0 : k ? k.offset : statSync(join(rdir, f)).size);
      } catch {
        /* removed meanwhile */
      }
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
