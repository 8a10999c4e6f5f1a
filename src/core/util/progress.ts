/**
 * Progress of long work (building a base image, an environment layer, an instance image, a pull, a prefetch):
 * what core reports so a front end can show one live line per job instead of the work's raw output. Core never
 * renders; the CLI draws a bar on a terminal or one plain line per step otherwise, and the TUI folds the same
 * events. The raw output of a job goes to a log file (`logFile` on `done`), shown by the front end only on failure.
 */

/** A job starts: `id` is unique within the run (e.g. `image:<instance_id>`), `label` says what it is in words. */
export interface ProgressStart {
  id: string;
  /** e.g. "instance image django__django-11099", "base image swegym.base:1a2b…" */
  label: string;
  /** Kind of job, for grouping and icons. */
  kind: 'base' | 'env' | 'repo' | 'instance' | 'pull' | 'prefetch' | 'other';
  /** Number of steps when known (then updates carry `n`). */
  total?: number;
  /** Where the job's full output goes (printed once by the front end). */
  logFile?: string;
}

/** The job moved on: a step name and, where known, n of total. */
export interface ProgressUpdate {
  step: string;
  /** Steps finished so far (0-based count), with `total` from start or given here. */
  n?: number;
  total?: number;
}

/** The job ended. On failure `tail` holds the last lines of its output and `logFile` the whole of it. */
export interface ProgressDone {
  ok: boolean;
  /** One line: "built in 4.2 s", "reused (spec hash 3f2a…)", or the error. */
  summary?: string;
  logFile?: string;
  tail?: string[];
}

export interface Progress {
  start(job: ProgressStart): void;
  update(id: string, u: ProgressUpdate): void;
  done(id: string, d: ProgressDone): void;
  /**
   * A line the user should read once (not a job): "rebuilding X: its env spec changed", "registry unreachable:
   * not pulling (said once per run)". Front ends print it as it is.
   */
  note(text: string): void;
}

/** The event form of the same calls, with a timestamp (ms since epoch): for event logs and tests. */
export type ProgressEvent =
  | ({ type: 'start'; at: number } & ProgressStart)
  | ({ type: 'update'; at: number; id: string } & ProgressUpdate)
  | ({ type: 'done'; at: number; id: string } & ProgressDone)
  | { type: 'note'; at: number; text: string };

/** Progress that goes nowhere (the default when no front end listens). */
export const silentProgress: Progress = {
  start: () => undefined,
  update: () => undefined,
  done: () => undefined,
  note: () => undefined,
};

/** A Progress that hands each call to `emit` as a ProgressEvent. */
export function progressEvents(emit: (e: ProgressEvent) => void, now: () => number = Date.now): Progress {
  return {
    start: (job) => emit({ type: 'start', at: now(), ...job }),
    update: (id, u) => emit({ type: 'update', at: now(), id, ...u }),
    done: (id, d) => emit({ type: 'done', at: now(), id, ...d }),
    note: (text) => emit({ type: 'note', at: now(), text }),
  };
}

/** Several listeners at once (e.g. the CLI renderer and a session's event log). */
export function fanOutProgress(...sinks: Array<Progress | undefined>): Progress {
  const live = sinks.filter((s): s is Progress => !!s);
  return {
    start: (j) => live.forEach((s) => s.start(j)),
    update: (id, u) => live.forEach((s) => s.update(id, u)),
    done: (id, d) => live.forEach((s) => s.done(id, d)),
    note: (t) => live.forEach((s) => s.note(t)),
  };
}

/**
 * Plain lines, one per start/step/end, for callers that have only a line writer (non-TTY output, older callers'
 * `onLog`). Updates are written only when the step changes.
 */
export function lineProgress(write: (line: string) => void): Progress {
  const started = new Map<string, { label: string; at: number; total?: number; step?: string }>();
  return {
    start: (j) => {
      started.set(j.id, { label: j.label, at: Date.now(), total: j.total });
      write(`[swegym] ${j.label}: started${j.logFile ? ` (log: ${j.logFile})` : ''}`);
    },
    update: (id, u) => {
      const s = started.get(id);
      if (s && s.step === u.step) return;
      if (s) s.step = u.step;
      const total = u.total ?? s?.total;
      const count = u.n !== undefined && total !== undefined ? ` [${u.n}/${total}]` : '';
      write(`[swegym] ${s?.label ?? id}${count}: ${u.step}`);
    },
    done: (id, d) => {
      const s = started.get(id);
      started.delete(id);
      const secs = s ? ` (${((Date.now() - s.at) / 1000).toFixed(1)} s)` : '';
      write(`[swegym] ${s?.label ?? id}: ${d.ok ? 'done' : 'FAILED'}${d.summary ? ` - ${d.summary}` : ''}${secs}`);
      if (!d.ok) {
        for (const l of d.tail ?? []) write(`  ${l}`);
        if (d.logFile) write(`  full log: ${d.logFile}`);
      }
    },
    note: (t) => write(t),
  };
}
