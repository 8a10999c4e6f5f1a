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

/** Reads index.jsonl (a torn last row is ignored) and catches every log up. */
export function loadIndex(dir: string): { rows: Map<string, IndexRow>; stats: LoadStats } {
  const t0 = performance.now();
  const rows = new Map<string, IndexRow>();
  const idx = readJsonlFrom<IndexRow>(join(dir, INDEX_FILE));
  for (const r of idx.items) if (r && typeof r.file === 'string' && r.summary) rows.set(r.file, r);
  const stats: LoadStats = { files: 0, caught_up: 0, bad_lines: [], ms: 0 };
  const rdir = join(dir, ROLLOUTS_DIR);
  const files = existsSync(rdir) ? readdirSync(rdir).filter((f) => f.endsWith('.jsonl')) : [];
  stats.files = files.length;
  for (const file of files) {
    let row = rows.get(file);
    const size = statSync(join(rdir, file)).size;
    if (row && size === row.offset) continue;
    if (!row || size < row.offset) row = { file, offset: 0, line: 1, summary: emptySummary(file.replace(/\.jsonl$/, '')) };
    rows.set(file, catchUpRow(dir, row, stats.bad_lines));
    stats.caught_up++;
  }
  if (rows.size !== files.length) {
    const present = new Set(files);
    for (const f of [...rows.keys()]) if (!present.has(f)) rows.delete(f);
  }
  stats.ms = performance.now() - t0;
  return { rows, stats };
}

/** The row that decides a pair's outcome: the latest finished attempt, else the latest attempt. */
export function decisive(attempts: IndexedSummary[]): IndexedSummary {
  const sorted = [...attempts].sort((a, b) => a.attempt - b.attempt);
  const finished = sorted.filter(isFinished);
  return finished.length ? finished[finished.length - 1]! : sorted[sorted.length - 1]!;
}

/** Read side of a session folder. Opening reads the manifest and the index only; events load on demand. */
export class FileSessionReader implements SessionReader {
  private _manifest: SessionManifest;
  private rows: Map<string, IndexRow>;
  readonly stats: LoadStats;

  constructor(readonly dir: string) {
    this._manifest = readManifest(dir);
    const { rows, stats } = loadIndex(dir);
    this.rows = rows;
    this.stats = stats;
  }

  get name(): string {
    return this._manifest.name;
  }

  manifest(): SessionManifest {
    return this._manifest;
  }

  /** Re-reads the manifest and catches up logs that grew (cheap when nothing changed). */
  refresh(): void {
    this._manifest = readManifest(this.dir);
    const { rows } = loadIndex(this.dir);
    this.rows = rows;
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

  follow(onEvent: (e: RolloutEvent) => void): () => void {
    return followSession(this.dir, onEvent);
  }
}

function effective(s: IndexedSummary): RolloutSummary {
  if (s.status === 'running' && s.verdict !== undefined) return { ...s, status: 'completed' };
  return { ...s };
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
