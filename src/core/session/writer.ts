import { randomUUID } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { RolloutEvent } from '../events.js';
import { readManifest, scrubSecrets, writeJsonAtomic, manifestPath, type SessionManifest } from './manifest.js';
import { FileSessionReader, INDEX_FILE, ROLLOUTS_DIR, loadIndex, type IndexRow } from './store.js';
import { emptySummary, foldEvent, type IndexedSummary } from './summary-fold.js';
import { LOG_LIMITS, OutputBudget } from './output-budget.js';

/** Events after which the log is fsync'd: losing them would change what resume re-runs or what a report says. */
const DURABLE = new Set<RolloutEvent['type']>(['rollout_started', 'env_ready', 'agent_stopped', 'verification_verdict', 'rollout_ended', 'patch_updated']);

/** Append-only log of one rollout attempt. Each event is one write(2) of one whole line. */
export class RolloutLog {
  private fd: number | undefined;
  private bytes = 0;
  private line = 1;
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
    this.summary = emptySummary(rolloutId);
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
    if (e.type === 'rollout_started' || e.type === 'rollout_ended' || e.type === 'verification_verdict') {
      this.writer.indexRow({ file: `${this.rolloutId}.jsonl`, offset: this.bytes, line: this.line, summary: this.summary });
    }
    if (e.type === 'rollout_ended') this.close();
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

  private constructor(readonly dir: string, manifest: SessionManifest) {
    this._manifest = manifest;
    this.indexFd = openSync(join(dir, INDEX_FILE), 'a');
  }

  static create(dir: string, manifest: Omit<SessionManifest, 'created_at' | 'updated_at' | 'format'>): SessionWriter {
    if (existsSync(manifestPath(dir))) throw new Error(`${dir}: a session already exists here (use 'swegym resume')`);
    mkdirSync(join(dir, ROLLOUTS_DIR), { recursive: true });
    const now = new Date().toISOString();
    const m = scrubSecrets({ format: 1, session_id: newSessionId(), ...manifest, created_at: now, updated_at: now } as SessionManifest);
    writeJsonAtomic(manifestPath(dir), m);
    return new SessionWriter(dir, m);
  }

  /** Opens an existing session for appending: compacts the index (one row per log, caught up with the logs). */
  static open(dir: string): SessionWriter {
    const m = readManifest(dir);
    mkdirSync(join(dir, ROLLOUTS_DIR), { recursive: true });
    const { rows } = loadIndex(dir);
    const tmp = join(dir, `${INDEX_FILE}.tmp-${process.pid}`);
    const fd = openSync(tmp, 'w');
    let text = '';
    for (const r of rows.values()) text += JSON.stringify(r) + '\n';
    writeSync(fd, text);
    fsyncSync(fd);
    closeSync(fd);
    // rename over the old index: readers see either version, both valid.
    renameSync(tmp, join(dir, INDEX_FILE));
    const w = new SessionWriter(dir, m);
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

  /** @internal called by RolloutLog */
  indexRow(row: IndexRow): void {
    writeSync(this.indexFd, JSON.stringify(row) + '\n');
  }

  reader(): FileSessionReader {
    return new FileSessionReader(this.dir);
  }

  close(): void {
    try {
      fsyncSync(this.indexFd);
      closeSync(this.indexFd);
    } catch {
      /* closed */
    }
  }
}
