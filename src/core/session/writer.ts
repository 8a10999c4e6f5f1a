import { randomUUID } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, renameSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { RolloutEvent } from '../events.js';
import { readManifest, scrubSecrets, writeJsonAtomic, manifestPath, type SessionManifest } from './manifest.js';
import { FileSessionReader, INDEX_FILE, ROLLOUTS_DIR, catchUpRow, loadIndex, type IndexRow } from './store.js';
import { emptySummary, foldEvent, type IndexedSummary } from './summary-fold.js';
import { LOG_LIMITS, OutputBudget } from './output-budget.js';

/** Events after which the log is fsync'd: losing them would change what resume re-runs or what a report says. */
const DURABLE = new Set<RolloutEvent['type']>(['rollout_started', 'env_ready', 'agent_stopped', 'verification_verdict', 'rollout_ended', 'patch_updated']);
/**
 * Events after which the log's summary row is appended to the index. Readers trust the index for ended rollouts and
 * do not look at their logs, so anything that changes an ended rollout's summary (a verifier's score appended later)
 * must be indexed too; a log closed without rollout_ended gets a row at close.
 */
const INDEXED = new Set<RolloutEvent['type']>(['rollout_started', 'verification_verdict', 'verifier_score', 'rollout_ended']);

/** Append-only log of one rollout attempt. Each event is one write(2) of one whole line. */
export class RolloutLog {
  private fd: number | undefined;
  private bytes = 0;
  private line = 1;
  /** Log offset of the last index row written for this log. */
  private indexed = 0;
  readonly summary: IndexedSummary;
  /** Command output past the log's cap goes here (see output-budget.ts), up to its own cap. */
  private sideFd: number | undefined;
  private sideBytes = 0;
  private readonly budget: OutputBudget;

  constructor(
    private readonly writer: SessionWriter,
    readonly rolloutId: string,
    readonly path: string,
  ) {
    // 'a': O_APPEND, so a line is never interleaved with another writer's, and an existing file is never truncated.
    this.fd = openSync(path, 'a');
    // Appending to an existing log (a verifier's score): continue its summary, offset and line count from the index.
    const size = statSync(path).size;
    if (size > 0) {
      const file = `${rolloutId}.jsonl`;
      const known = writer.knownRow(file);
      const row = catchUpRow(writer.dir, known && known.offset <= size ? { ...known, summary: { ...known.summary, scores: { ...known.summary.scores } } } : { file, offset: 0, line: 1, summary: emptySummary(rolloutId) });
      this.summary = row.summary;
      this.bytes = row.offset;
      this.line = row.line;
      this.indexed = row.offset;
    } else this.summary = emptySummary(rolloutId);
    const sideName = `${rolloutId}.output.txt`;
    this.budget = new OutputBudget((e) => this.write(e), { spill: (step, text) => this.spill(step, text), sideFile: sideName });
  }

  private spill(step: number, text: string): void {
    const room = LOG_LIMITS.sideFileBytes - this.sideBytes;
    if (room <= 0) return;
    if (this.sideFd === undefined) this.sideFd = openSync(this.path.replace(/\.jsonl$/, '.output.txt'), 'a');
    let buf = Buffer.from(text, 'utf8');
    if (this.sideStep !== step) {
      buf = Buffer.concat([Buffer.from(`\n===== step ${step} =====\n`), buf]);
      this.sideStep = step;
    }
    if (buf.length > room) buf = buf.subarray(0, room);
    writeSync(this.sideFd, buf);
    this.sideBytes += buf.length;
  }
  private sideStep: number | undefined;

  get closed(): boolean {
    return this.fd === undefined;
  }

  /** Appends an event; command output is kept within LOG_LIMITS (head and tail per step, the rest counted). */
  append(e: RolloutEvent): void {
    if (this.fd === undefined) return;
    this.budget.push(e);
  }

  private write(e: RolloutEvent): void {
    if (this.fd === undefined) return;
    const text = JSON.stringify(scrubEvent(e)) + '\n';
    const buf = Buffer.from(text, 'utf8');
    writeSync(this.fd, buf);
    this.bytes += buf.length;
    this.line++;
    foldEvent(this.summary, e);
    if (DURABLE.has(e.type)) fsyncSync(this.fd);
    if (INDEXED.has(e.type)) this.writeIndexRow();
    if (e.type === 'rollout_ended') this.close();
  }

  private writeIndexRow(): void {
    this.writer.indexRow({ file: `${this.rolloutId}.jsonl`, offset: this.bytes, line: this.line, summary: this.summary });
    this.indexed = this.bytes;
  }

  close(): void {
    if (this.fd === undefined) return;
    this.budget.flush();
    if (this.sideFd !== undefined) {
      closeSync(this.sideFd);
      this.sideFd = undefined;
    }
    if (this.fd === undefined) return;
    try {
      fsyncSync(this.fd);
    } catch {
      /* already gone */
    }
    if (this.bytes > this.indexed) this.writeIndexRow();
    closeSync(this.fd);
    this.fd = undefined;
  }
}

/**
 * Agent info, messages and tool arguments could in principle carry a key the user pasted into a config;
 * `agent.config` and `args` go through the same scrubber as the manifest.
 */
function scrubEvent(e: RolloutEvent): RolloutEvent {
  if (e.type === 'rollout_started') return { ...e, agent: scrubSecrets(e.agent) };
  return e;
}

export function newSessionId(): string {
  return randomUUID();
}

/** Write side of a session: creates the folder, owns the manifest and the index, hands out rollout logs. */
export class SessionWriter {
  private indexFd: number;
  private _manifest: SessionManifest;
  /** The index rows of logs that existed when the session was opened (for appends to them). */
  private readonly known: Map<string, IndexRow>;

  private constructor(readonly dir: string, manifest: SessionManifest, known = new Map<string, IndexRow>()) {
    this._manifest = manifest;
    this.known = known;
    this.indexFd = openSync(join(dir, INDEX_FILE), 'a');
  }

  /** @internal the index row a log had when the session was opened */
  knownRow(file: string): IndexRow | undefined {
    return this.known.get(file);
  }

  static create(dir: string, manifest: Omit<SessionManifest, 'created_at' | 'updated_at' | 'format'>): SessionWriter {
    if (existsSync(manifestPath(dir))) throw new Error(`${dir}: a session already exists here (use 'swegym resume')`);
    mkdirSync(join(dir, ROLLOUTS_DIR), { recursive: true });
    const now = new Date().toISOString();
    const m = scrubSecrets({ format: 1, session_id: newSessionId(), ...manifest, created_at: now, updated_at: now } as SessionManifest);
    writeJsonAtomic(manifestPath(dir), m);
    return new SessionWriter(dir, m);
  }

  /**
   * Opens an existing session for appending: compacts the index (one row per log, caught up with the logs; every log
   * is stat'ed, so an append a crash kept out of the index is folded in here).
   */
  static open(dir: string): SessionWriter {
    const m = readManifest(dir);
    mkdirSync(join(dir, ROLLOUTS_DIR), { recursive: true });
    const { rows } = loadIndex(dir, { verify: true });
    compactIndex(dir, rows);
    const w = new SessionWriter(dir, m, rows);
    if (!m.session_id) w.updateManifest({ session_id: newSessionId() });
    return w;
  }

  /** The session's unique id (see SessionManifest.session_id). */
  get id(): string {
    return this._manifest.session_id ?? this._manifest.name;
  }

  get manifest(): SessionManifest {
    return this._manifest;
  }

  get name(): string {
    return this._manifest.name;
  }

  updateManifest(patch: Partial<SessionManifest>): void {
    this._manifest = scrubSecrets({ ...this._manifest, ...patch, updated_at: new Date().toISOString() });
    writeJsonAtomic(manifestPath(this.dir), this._manifest);
  }

  openRollout(rolloutId: string): RolloutLog {
    return new RolloutLog(this, rolloutId, join(this.dir, ROLLOUTS_DIR, `${rolloutId}.jsonl`));
  }

  /** @internal called by RolloutLog (a log closed after its session: the next writer's compaction indexes it) */
  indexRow(row: IndexRow): void {
    if (this.indexClosed) return;
    writeSync(this.indexFd, JSON.stringify(row) + '\n');
  }
  private indexClosed = false;

  reader(): FileSessionReader {
    return new FileSessionReader(this.dir);
  }

  /**
   * Closes the index; then rewrites it with one row per log (a batch appends a row at each start, verdict and end of
   * every rollout: three times the rows a reader then has to parse).
   */
  close(): void {
    if (this.indexClosed) return;
    this.indexClosed = true;
    try {
      fsyncSync(this.indexFd);
    } finally {
      closeSync(this.indexFd);
    }
    try {
      compactIndex(this.dir, loadIndex(this.dir).rows);
    } catch {
      /* the appended index stays valid; the next writer compacts it */
    }
  }
}

/** Replaces index.jsonl with these rows, atomically: readers see either version, both valid. */
function compactIndex(dir: string, rows: Map<string, IndexRow>): void {
  const tmp = join(dir, `${INDEX_FILE}.tmp-${process.pid}`);
  const fd = openSync(tmp, 'w');
  try {
    // In pieces: 39,008 rows are about 23 MB of text.
    let text = '';
    for (const r of rows.values()) {
      text += JSON.stringify(r) + '\n';
      if (text.length > 1 << 20) {
        writeSync(fd, text);
        text = '';
      }
    }
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, join(dir, INDEX_FILE));
}
