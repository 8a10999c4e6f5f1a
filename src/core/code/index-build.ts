/**
 * Building the index's per-file pieces fast: entries already in the content-addressed cache are read back, the rest
 * are parsed on the main thread and, when there is enough work to repay a worker's start-up, on worker threads at the
 * same time (files handed out one by one, biggest first, so both finish together). The result does not depend on
 * where a file was parsed: every entry comes from the same `indexFile`.
 */
import { availableParallelism, loadavg } from 'node:os';
import { Worker } from 'node:worker_threads';
import { fileIndexKey, indexFile, readFileIndex, writeFileIndex, type FileIndex } from './file-index.js';
import type { CodeFile } from './repository.js';
import type { FromWorker, ToWorker } from './index-worker.js';

/** Below this much source to parse, a worker's start-up (loading the parser and tokenizer) costs more than it saves. */
const PARALLEL_MIN_CHARS = 400_000;

export interface IndexFilesOptions {
  /** Code-index cache root (entries under `files/`); null: no per-file cache. */
  cacheDir: string | null;
  /** Threads parsing at once, the main thread included; default `defaultIndexThreads()`. */
  threads?: number;
  /** Least source (characters) to parse before workers start; default 400,000. */
  parallelMinChars?: number;
  /** The main thread parses files too while workers run (default true; false leaves all to the workers). */
  mainThreadParses?: boolean;
  /** Every file parsed on the main thread (to seed a FileRepository and save parsing it again). */
  onParsed?: (file: CodeFile) => void;
}

export interface IndexFilesResult {
  /** In the order of the input. */
  entries: FileIndex[];
  parsed: number;
  /** Of `parsed`, the files a worker thread parsed. */
  parsedByWorkers: number;
  reused: number;
  threads: number;
}

/**
 * `SWEGYM_INDEX_THREADS`, else two when a second core is idle (1-minute load average at most cores - 1), else one:
 * a worker costs about half a second of CPU to start (parser, tokenizer, its own JIT warm-up), which only pays off
 * when it runs beside the main thread instead of competing with other work (a batch's other rollouts) for a core.
 */
export function defaultIndexThreads(): number {
  const env = Number(process.env.SWEGYM_INDEX_THREADS);
  if (Number.isInteger(env) && env > 0) return env;
  const cores = availableParallelism();
  return cores > 1 && loadavg()[0] <= cores - 1 ? 2 : 1;
}

export async function indexFiles(items: [string, string][], opts: IndexFilesOptions): Promise<IndexFilesResult> {
  const byPath = new Map<string, FileIndex>();
  const keys = new Map<string, string>();
  if (opts.cacheDir) {
    const dir = opts.cacheDir;
    await Promise.all(items.map(async ([path, content]) => {
      const key = fileIndexKey(path, content);
      keys.set(path, key);
      const e = await readFileIndex(dir, key, path);
      if (e) byPath.set(path, e);
    }));
  }
  const reused = byPath.size;
  const todo = items.filter(([p]) => !byPath.has(p)).sort((a, b) => b[1].length - a[1].length);
  const size = todo.reduce((a, [, c]) => a + c.length, 0);
  const wanted = Math.max(1, opts.threads ?? defaultIndexThreads());
  const threads = size >= (opts.parallelMinChars ?? PARALLEL_MIN_CHARS) && todo.length > 1 ? wanted : 1;

  const fresh: FileIndex[] = [];
  let parsedByWorkers = 0;
  const onMain = ([path, content]: [string, string]) => {
    const { entry, file } = indexFile(path, content);
    byPath.set(path, entry);
    fresh.push(entry);
    opts.onParsed?.(file);
  };
  if (threads === 1) {
    for (const item of todo) onMain(item);
  } else {
    const workers = Array.from({ length: threads - 1 }, () => startWorker(todo, (e) => {
      byPath.set(e.path, e);
      fresh.push(e);
      parsedByWorkers++;
    }));
    // The main thread takes files too, letting the workers' requests in between files.
    while (todo.length && opts.mainThreadParses !== false) {
      onMain(todo.shift()!);
      await new Promise((r) => setImmediate(r));
    }
    const leftovers = (await Promise.all(workers)).flat();
    for (const item of leftovers) onMain(item);
  }

  if (opts.cacheDir && fresh.length) {
    const dir = opts.cacheDir;
    await Promise.all(fresh.map((e) => writeFileIndex(dir, keys.get(e.path)!, e).catch(() => undefined)));
  }
  return { entries: items.map(([p]) => byPath.get(p)!), parsed: fresh.length, parsedByWorkers, reused, threads };
}

/**
 * One worker pulling files from the shared queue. Resolves when it has stopped, with the files it took but did not
 * finish (a worker that fails to start or dies hands its files back to the main thread).
 */
function startWorker(queue: [string, string][], onEntry: (e: FileIndex) => void): Promise<[string, string][]> {
  return new Promise((resolve) => {
    const inFlight: [string, string][] = [];
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      resolve(inFlight.splice(0));
      void worker.terminate();
    };
    const worker = new Worker(new URL('./index-worker-boot.mjs', import.meta.url));
    const send = () => {
      const item = queue.shift();
      if (!item) return false;
      inFlight.push(item);
      worker.postMessage({ type: 'work', items: [item] } satisfies ToWorker);
      return true;
    };
    worker.on('message', (m: FromWorker) => {
      if (m.type === 'ready') {
        // Two in flight, so the worker never waits for the main thread between files.
        send();
        send();
        if (!inFlight.length) finish();
      } else if (m.type === 'done') {
        for (const e of m.entries) {
          onEntry(e);
          const i = inFlight.findIndex(([p]) => p === e.path);
          if (i >= 0) inFlight.splice(i, 1);
        }
        send();
        if (!inFlight.length) finish();
      } else {
        finish();
      }
    });
    worker.on('error', finish);
    worker.on('exit', finish);
  });
}
