import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { RolloutEvent } from '../events.js';
import { pairKey, rolloutId as makeRolloutId } from './ids.js';
import { readJsonlFrom, scanJsonl } from './jsonl.js';
import { OutputBudget } from './output-budget.js';
import { readManifest, type SessionManifest } from './manifest.js';
import { emptySummary, foldEvent, isFinished, type IndexedSummary } from './summary-fold.js';
import { followSession } from './follow.js';
import type { RolloutSummary, SessionReader } from './types.js';

/**
 * Layout of a session folder:
 *   manifest.json          what it takes to reproduce the run (atomic rewrite)
 *   rollouts/<id>.jsonl    append-only event log, ONE FILE PER ROLLOUT ATTEMPT. Why per attempt rather than per worker:
 *                          loading one rollout's events on demand reads exactly one file; a torn tail after a crash
 *                          can only touch the rollouts that were running; a retried or resumed attempt gets a new
 *                          file so earlier attempts are never rewritten; followers tail each file from an offset.
 *   index.jsonl            derived summary rows {file, offset, summary}; the last row of a file wins. Rebuilt (or
 *                          caught up) from the logs whenever a log is longer than the offset the index recorded.
 */
export const ROLLOUTS_DIR = 'rollouts';
export const INDEX_FILE = 'index.jsonl';

export interface IndexRow {
  file: string;
  offset: number;
  /** Next line number in the log (for error messages). */
  line: number;
  summary: IndexedSummary;
}

export interface LoadStats {
  files: number;
  /** Logs read past the index (missing from it or grown since). */
  caught_up: number;
  /** Complete lines that were not valid events. */
  bad_lines: Array<{ file: string; line: number; error: string }>;
  ms: number;
}

/** Folds a log's complete lines from `row.offset`; returns the updated row. Invalid lines are reported and skipped. */
export function catchUpRow(dir: string, row: IndexRow, bad?: LoadStats['bad_lines']): IndexRow {
  const path = join(dir, ROLLOUTS_DIR, row.file);
  // Streamed: a log of any size folds in bounded memory.
  const chunk = scanJsonl(path, row.offset, row.line, (raw, lineNo) => {
    const e = raw as RolloutEvent;
    if (!e || typeof e !== 'object' || typeof (e as { type?: unknown }).type !== 'string') {
      bad?.push({ file: row.file, line: lineNo, error: 'not an event object' });
    } else {
      foldEvent(row.summary, e);
    }
  });
  for (const b of chunk.bad) bad?.push({ file: row.file, line: b.line, error: b.error });
  // Line numbers: count newline-terminated lines consumed (items + bad + blank ones are all lines).
  return { ...row, offset: chunk.end, line: row.line + chunk.lines, summary: row.summary };
}

/** An ended rollout's log is closed: nothing appends to it except through a writer that indexes what it appends. */
export function rowEnded(row: IndexRow): boolean {
  return row.summary.status !== 'running';
}

/**
 * A session's summary rows, kept up to date from index.jsonl. The index is trusted for rollouts that ended (their
 * logs are not even stat'ed: a SWE-Gym session has 39,008 of them); a log is read only when it is missing from the
 * index, or its rollout had not ended and the log grew past the offset the index recorded. `verify` (writers
 * compacting the index) stats every log, so an append a crash kept out of the index is folded in.
 */
export class SummaryIndex {
  readonly rows = new Map<string, IndexRow>();
  /** Where index.jsonl was read up to, and which file it was (a compaction renames a new one over it). */
  private end = 0;
  private ino = -1;

  constructor(readonly dir: string) {}

  /**
   * Reads index rows appended since the last call (all of them the first time or after a compaction), then brings
   * the rows of unfinished rollouts up to their logs. `list` also lists the rollouts folder: logs the index does not
   * name yet are folded from their start, rows whose log is gone are dropped.
   */
  update(opts: { list?: boolean; verify?: boolean; /** false: index rows only, no log is stat'ed or read */ logs?: boolean } = {}): LoadStats {
    const t0 = performance.now();
    const stats: LoadStats = { files: this.rows.size, caught_up: 0, bad_lines: [], ms: 0 };
    const path = join(this.dir, INDEX_FILE);
    let st: { ino: number; size: number } | undefined;
    try {
      st = statSync(path);
    } catch {
      st = undefined;
    }
    if (st && (st.ino !== this.ino || st.size < this.end)) {
      this.end = 0;
      this.ino = st.ino;
    }
    if (st && st.size > this.end) {
      const idx = scanJsonl(path, this.end, 1, (raw) => {
        const r = raw as IndexRow;
        if (!r || typeof r.file !== 'string' || !r.summary || typeof r.offset !== 'number') return;
        const have = this.rows.get(r.file);
        // Rows of one log only move forward: a reader may have caught a log up past the row its writer appends next.
        if (!have || r.offset >= have.offset) this.rows.set(r.file, r);
      });
      this.end = idx.end;
    }
    if (opts.logs === false) {
      stats.ms = performance.now() - t0;
      return stats;
    }
    const rdir = join(this.dir, ROLLOUTS_DIR);
    let todo: Iterable<string> = this.rows.keys();
    if (opts.list || opts.verify) {
      const files = existsSync(rdir) ? readdirSync(rdir).filter((f) => f.endsWith('.jsonl')) : [];
      if (files.length !== this.rows.size || files.some((f) => !this.rows.has(f))) {
        const present = new Set(files);
        for (const f of [...this.rows.keys()]) if (!present.has(f)) this.rows.delete(f);
      }
      todo = files;
    }
    let n = 0;
    for (const file of todo) {
      n++;
      let row = this.rows.get(file);
      if (row && rowEnded(row) && !opts.verify) continue;
      let size: number;
      try {
        size = statSync(join(rdir, file)).size;
      } catch {
        continue; // gone: dropped at the next listing
      }
      if (row && size === row.offset) continue;
      if (!row || size < row.offset) row = { file, offset: 0, line: 1, summary: emptySummary(file.replace(/\.jsonl$/, '')) };
      else row = { ...row, summary: { ...row.summary, scores: { ...row.summary.scores } } };
      this.rows.set(file, catchUpRow(this.dir, row, stats.bad_lines));
      stats.caught_up++;
    }
    stats.files = opts.list || opts.verify ? n : this.rows.size;
    stats.ms = performance.now() - t0;
    return stats;
  }
}

/** Reads index.jsonl (a torn last row is ignored) and catches the logs up (see SummaryIndex). */
export function loadIndex(dir: string, opts: { verify?: boolean } = {}): { rows: Map<string, IndexRow>; stats: LoadStats } {
  const index = new SummaryIndex(dir);
  const stats = index.update({ list: true, verify: opts.verify });
  return { rows: index.rows, stats };
}

/** The row that decides a pair's outcome: the latest finished attempt, else the latest attempt. */
export function decisive(attempts: IndexedSummary[]): IndexedSummary {
  if (attempts.length === 1) return attempts[0]!;
  const sorted = [...attempts].sort((a, b) => a.attempt - b.attempt);
  const finished = sorted.filter(isFinished);
  return finished.length ? finished[finished.length - 1]! : sorted[sorted.length - 1]!;
}

/** Read side of a session folder. Opening reads the manifest and the index only; events load on demand. */
export class FileSessionReader implements SessionReader {
  private _manifest: SessionManifest;
  private readonly index: SummaryIndex;
  readonly stats: LoadStats;

  constructor(readonly dir: string) {
    this._manifest = readManifest(dir);
    this.index = new SummaryIndex(dir);
    this.stats = this.index.update({ list: true });
  }

  private get rows(): Map<string, IndexRow> {
    return this.index.rows;
  }

  get name(): string {
    return this._manifest.name;
  }

  manifest(): SessionManifest {
    return this._manifest;
  }

  /**
   * Re-reads the manifest, the index rows appended since, and the logs of unfinished rollouts that grew: cheap when
   * nothing changed, whatever the session's size. (New logs arrive through their first index row, written when the
   * rollout starts.)
   */
  refresh(): void {
    this._manifest = readManifest(this.dir);
    this.index.update();
  }

  /** Every attempt of every rollout, as indexed. */
  attempts(): IndexedSummary[] {
    return [...this.rows.values()].map((r) => r.summary);
  }

  /**
   * One row per (instance, sample) of the plan: the decisive attempt, or a 'queued' placeholder for pairs that never
   * started. A rollout that recorded its verdict but died before rollout_ended counts as completed.
   */
  summaries(): RolloutSummary[] {
    const byPair = new Map<string, IndexedSummary[]>();
    for (const s of this.attempts()) {
      const k = pairKey(s.instance_id, s.sample);
      const list = byPair.get(k);
      if (list) list.push(s);
      else byPair.set(k, [s]);
    }
    const out: RolloutSummary[] = [];
    const seen = new Set<string>();
    const n = this._manifest.sampling.samples;
    for (const id of this._manifest.dataset.instance_ids) {
      for (let sample = 0; sample < n; sample++) {
        const k = pairKey(id, sample);
        seen.add(k);
        const list = byPair.get(k);
        if (!list) {
          out.push({ rollout_id: makeRolloutId(id, sample, 0), instance_id: id, sample, status: 'queued', scores: {}, turns: 0, prompt_tokens: 0, completion_tokens: 0, cost_usd: 0 });
          continue;
        }
        out.push(effective(decisive(list)));
      }
    }
    for (const [k, list] of byPair) if (!seen.has(k)) out.push(effective(decisive(list)));
    return out;
  }

  /** All attempts of one pair, oldest first. */
  attemptsOf(instanceId: string, sample: number): IndexedSummary[] {
    return this.attempts()
      .filter((s) => s.instance_id === instanceId && s.sample === sample)
      .sort((a, b) => a.attempt - b.attempt);
  }

  async events(rolloutId: string): Promise<RolloutEvent[]> {
    return readRolloutEvents(this.dir, rolloutId).events;
  }

  /** From now on; logs of ended rollouts start where the index says they end (no stat of each). */
  follow(onEvent: (e: RolloutEvent) => void): () => void {
    const known = new Map<string, { offset: number; ended: boolean }>();
    for (const [file, row] of this.rows) known.set(file, { offset: row.offset, ended: rowEnded(row) });
    return followSession(this.dir, onEvent, { known });
  }
}

/** Index rows are never changed in place (a caught-up row is a new object), so they are handed out as they are. */
function effective(s: IndexedSummary): RolloutSummary {
  if (s.status === 'running' && s.verdict !== undefined) return { ...s, status: 'completed' };
  return s;
}

/**
 * The events of one rollout. Lines are validated against the event schema; a complete line that is not a valid event
 * is reported with its file and line and skipped; a torn last line is ignored.
 */
export function readRolloutEvents(dir: string, rolloutId: string): { events: RolloutEvent[]; errors: string[] } {
  const file = join(dir, ROLLOUTS_DIR, `${rolloutId}.jsonl`);
  const errors: string[] = [];
  const events: RolloutEvent[] = [];
  // Streamed through the same output limits the writer applies, so a log written before them (or any huge log)
  // loads in bounded memory: the head and tail of each step's output, the omitted bytes counted.
  const budget = new OutputBudget((e) => events.push(e), { sideFile: `${rolloutId}.output.txt` });
  const chunk = scanJsonl(file, 0, 1, (raw, line) => {
    const r = RolloutEvent.safeParse(raw);
    if (r.success) budget.push(r.data);
    else {
      const issue = r.error.issues[0];
      errors.push(`${file}:${line}: field '${issue?.path.join('.') ?? '?'}' ${issue?.message ?? 'invalid'}`);
    }
  });
  budget.flush();
  for (const b of chunk.bad) errors.push(`${file}:${b.line}: not valid JSON (${b.error})`);
  return { events, errors };
}

export function openSession(dir: string): FileSessionReader {
  return new FileSessionReader(dir);
}
