import { writeFileSync, mkdirSync, watch, openSync, closeSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join, resolve } from 'node:path';
import type { RolloutEvent } from '../core/events.js';
import { loadTasks, type TaskRecord } from '../core/dataset/index.js';
import { DEFAULT_SESSIONS_DIR, openSession, acquireSessionLock, SessionWriter, newSessionName, scrubSecrets, appendWinner, readWinners, type SessionReader } from '../core/session/index.js';
import { planWork, planRetry, createSessionScheduler, sessionPreflight, startRemoteControl, RemoteBatchControl, snapshotFromSummaries, type Scheduler, type RolloutRunner } from '../core/scheduler/index.js';
import { AGENTS, TRAJECTORIES_DIR, agentEntry, trajectoryFor, type BatchSettings } from '../core/rollout/index.js';
import { harnessStampsFor } from '../core/harness/index.js';
import { VERSION } from '../core/version.js';
import type { AgentChoice, AgentId, Backend, BatchOptions, FollowedBatch, LiveBatch, LiveRollout, SessionListing } from './backend.js';
import { SessionLister } from './session-lister.js';
import type { TaskInfo } from './panes/lines.js';
import type { RolloutViewModel } from './state/rollout-view-model.js';
import { execCommand, recreateCommand } from './attach.js';

export interface CoreBackendOptions {
  dataset: string;
  sessionsDir?: string;
  envSpec?: string[];
  env?: NodeJS.ProcessEnv;
  /** Where recorded trajectories for the replay agent live (default samples/trajectories). */
  trajectoriesDir?: string;
  concurrency?: number;
  /** The LLM agent's model and endpoint (default: env SWEGYM_MODEL, OPENAI_BASE_URL). */
  model?: string;
  baseUrl?: string;
  /**
   * Everything else a batch can be told on the command line (LLM config, profile, offline, image options, timeouts,
   * endpoint limit, seed, budgets): the workbench's rollouts and batches run through the same session scheduler and
   * rollout pipeline as `swegym batch`, with these settings.
   */
  settings?: Partial<BatchSettings>;
}

export { TRAJECTORIES_DIR };

/**
 * The workbench's port onto the engine: tasks from the dataset loader, sessions from the session store, rollouts and
 * batches through the scheduler (which writes every event to a session), Docker through the runtime. No logic of its
 * own beyond composing those pieces.
 */
export class CoreBackend implements Backend {
  readonly datasetName: string;
  readonly modelHint?: string;
  readonly modelInfo?: string;
  private readonly sessionsDir: string;
  private readonly lister: SessionLister;
  private readonly env: NodeJS.ProcessEnv;
  private taskList?: TaskRecord[];
  private runSession?: SessionWriter;
  private readonly schedulers = new Set<Scheduler>();
  /** Session folders of the batches still running (for the message when the workbench leaves them headless). */
  private readonly batchDirs = new Map<Scheduler, string>();
  /** The writers of the batches started here, by session folder (a retry in one of them writes through it). */
  private readonly batchWriters = new Map<string, SessionWriter>();
  private readonly runs = new Set<Promise<unknown>>();

  constructor(private readonly opts: CoreBackendOptions) {
    this.datasetName = opts.dataset;
    this.sessionsDir = resolve(opts.sessionsDir ?? DEFAULT_SESSIONS_DIR);
    this.env = opts.env ?? process.env;
    this.modelHint = this.env.OPENAI_API_KEY
      ? undefined
      : 'No model configured: the gold and replay agents work without one.\nTo run a model: set OPENAI_API_KEY, then --model/--base-url\n(or env SWEGYM_MODEL, OPENAI_BASE_URL).';
    this.modelInfo = this.model ? `${this.model}${this.baseUrl ? ` at ${this.baseUrl}` : ''}` : this.env.OPENAI_API_KEY ? `none chosen (--model or SWEGYM_MODEL)${this.baseUrl ? `; endpoint ${this.baseUrl}` : ''}` : undefined;
    this.lister = new SessionLister(this.sessionsDir);
  }

  private get model(): string | undefined {
    return this.opts.model ?? this.env.SWEGYM_MODEL;
  }

  private get baseUrl(): string | undefined {
    return this.opts.baseUrl ?? this.env.OPENAI_BASE_URL;
  }

  async tasks(): Promise<TaskInfo[]> {
    if (!this.taskList) this.taskList = (await loadTasks(this.opts.dataset, { skipInvalid: true })).tasks;
    return this.taskList as TaskInfo[];
  }

  trajectoryFor(instanceId: string): string | undefined {
    return trajectoryFor(this.opts.trajectoriesDir ?? this.opts.settings?.trajectory ?? TRAJECTORIES_DIR, instanceId);
  }

  /** The settings a rollout or batch with this agent runs with: the command line's, the agent chosen here. */
  private settingsFor(agent: AgentId, opts: BatchOptions = {}): BatchSettings {
    const base = { ...(this.opts.settings ?? {}), ...(opts.seed !== undefined ? { seed: opts.seed } : {}), ...(opts.budgetUsd !== undefined ? { budget_usd: opts.budgetUsd } : {}) };
    const model = this.model;
    const llm = model || this.baseUrl || base.llm ? { ...(base.llm ?? {}), ...(model ? { model } : {}), ...(this.baseUrl ? { baseURL: this.baseUrl } : {}) } : undefined;
    return {
      ...base,
      concurrency: opts.concurrency ?? this.opts.concurrency ?? base.concurrency ?? 2,
      agent,
      ...(llm ? { llm: llm as BatchSettings['llm'] } : {}),
      trajectory: this.opts.trajectoriesDir ?? base.trajectory ?? TRAJECTORIES_DIR,
      ...(this.opts.envSpec ? { env_spec_files: this.opts.envSpec.map((f) => resolve(f)) } : {}),
    };
  }

  agents(task?: TaskInfo): AgentChoice[] {
    return AGENTS.map((a) => {
      const { available, note } = a.availability(this.settingsFor(a.kind), this.env, task as TaskRecord | undefined);
      const label = a.usesModel && this.model ? `${a.kind} (${this.model})` : a.kind;
      return { id: a.kind, label, available, note };
    });
  }

  async listSessions(): Promise<SessionListing[]> {
    return this.lister.list();
  }

  watchSessions(onChange: () => void): () => void {
    try {
      mkdirSync(this.sessionsDir, { recursive: true });
      // A new session folder, or a file of one (live.json, index.jsonl) replaced: re-list soon (the lister is cheap
      // for sessions that did not change). Recursive watching is not available everywhere: the poll covers the rest.
      let t: NodeJS.Timeout | undefined;
      const w = watch(this.sessionsDir, () => {
        if (t) return;
        t = setTimeout(() => {
          t = undefined;
          onChange();
        }, 150);
        t.unref?.();
      });
      w.unref?.();
      return () => {
        if (t) clearTimeout(t);
        w.close();
      };
    } catch {
      return () => {};
    }
  }

  /** `swegym resume <session>` as its own process (headless, with remote control): the workbench follows it. */
  resume(sessionDir: string): { pid?: number; log: string } {
    const bin = fileURLToPath(new URL('../../bin/swegym.js', import.meta.url));
    const log = join(sessionDir, 'resume.log');
    const fd = openSync(log, 'a');
    try {
      const child = spawn(process.execPath, [bin, 'resume', sessionDir], { detached: true, stdio: ['ignore', fd, fd], env: this.env });
      child.unref();
      this.lister.forget(sessionDir);
      return { pid: child.pid, log };
    } finally {
      closeSync(fd);
    }
  }

  async openSession(dir: string): Promise<SessionReader> {
    return openSession(dir);
  }

  followBatch(sessionDir: string): FollowedBatch | undefined {
    const remote = new RemoteBatchControl(sessionDir, {
      // Until live.json says more: what the session's own summaries say.
      fallback: () => {
        try {
          return snapshotFromSummaries(openSession(sessionDir).summaries());
        } catch {
          return snapshotFromSummaries([]);
        }
      },
    });
    if (remote.liveness().status) return remote;
    remote.close();
    return undefined;
  }

  /** Bad agent choices fail here, before a session is created. */
  private checkAgent(agent: AgentId, tasks: TaskRecord[]): void {
    const entry = agentEntry(agent);
    for (const t of tasks) {
      const a = entry.availability(this.settingsFor(agent), this.env, t);
      if (!a.available) throw new Error(`${agent} cannot run ${t.instance_id}: ${a.note}`);
    }
  }

  /** Every event of every rollout is also handed to the workbench as it happens. */
  private listening(onEvent: (e: RolloutEvent) => void) {
    return (runner: RolloutRunner): RolloutRunner =>
      async (ctx) => {
        const off = ctx.emitter.on(onEvent);
        try {
          return await runner(ctx);
        } finally {
          // The scheduler's own closing events (e.g. an abandoned runner) come after; keep listening briefly.
          setTimeout(off, 1000).unref();
        }
      };
  }

  private createSession(prefix: string, tasks: TaskRecord[], agent: AgentId, opts: BatchOptions = {}): SessionWriter {
    mkdirSync(this.sessionsDir, { recursive: true });
    const name = newSessionName(prefix);
    return SessionWriter.create(join(this.sessionsDir, name), {
      name,
      swegym_version: VERSION,
      dataset: { ref: this.opts.dataset, instance_ids: tasks.map((t) => t.instance_id), repos: Object.fromEntries(tasks.map((t) => [t.instance_id, t.repo])) },
      images: {},
      harness: harnessStampsFor(tasks),
      agent: { kind: agent, ...(agentEntry(agent).usesModel ? { model: this.model } : {}) },
      sampling: { samples: opts.samples ?? 1, temperatures: opts.temperatures ?? [0], seed: opts.seed ?? this.opts.settings?.seed ?? 0 },
      scheduler: scrubSecrets({ ...this.settingsFor(agent, opts) }) as Record<string, unknown>,
    });
  }

  private async schedule(session: SessionWriter, tasks: TaskRecord[], agent: AgentId, onEvent: (e: RolloutEvent) => void, firstSample = 0, opts: BatchOptions = {}): Promise<Scheduler> {
    const settings = this.settingsFor(agent, opts);
    // The plan `swegym batch` makes: samples x temperatures, seeds a function of (seed, instance, sample).
    const items = planWork(tasks, opts.samples ?? 1, opts.temperatures ?? [0], settings.seed ?? 0).map((w) => ({ ...w, sample: w.sample + firstSample }));
    // Not swept first: the workbench's run session has other rollouts running in it.
    const { scheduler } = await createSessionScheduler(session, items, settings, { wrapRunner: this.listening(onEvent), env: this.env });
    this.schedulers.add(scheduler);
    return scheduler;
  }

  async startRollout(task: TaskInfo, agent: AgentId, onEvent: (e: RolloutEvent) => void): Promise<LiveRollout> {
    const record = task as TaskRecord;
    this.checkAgent(agent, [record]);
    await this.checkEnvironments(agent, [record]);
    const all = (await this.tasks()) as TaskRecord[];
    this.runSession ??= this.createSession('tui', all, agent);
    const session = this.runSession;
    const sample = session.reader().summaries().filter((s) => s.instance_id === task.instance_id && s.status !== 'queued').length;
    let rolloutId: string | undefined;
    let resolveId!: (id: string) => void;
    const idKnown = new Promise<string>((r) => (resolveId = r));
    const sched = await this.schedule(session, [record], agent, (e) => {
      if (!rolloutId) {
        rolloutId = e.rollout;
        resolveId(e.rollout);
      }
      onEvent(e);
    }, sample);
    const done = sched.run().finally(() => this.schedulers.delete(sched));
    this.runs.add(done);
    const id = await Promise.race([idKnown, done.then(() => rolloutId ?? '')]);
    if (!id) throw new Error(`the rollout of ${task.instance_id} ended before it started (see ${session.dir})`);
    return { rolloutId: id, sessionDir: session.dir, interrupt: () => sched.kill(id), done };
  }

  /**
   * Retries an ended rollout: a fresh attempt of its (instance, sample) in its own session, with the session's recorded
   * settings, through the same session scheduler as everything else. A session this workbench writes (its runs, its
   * batches) is written through its open writer; any other is taken under the session lock, as `swegym resume` takes
   * it (refused while another process runs the session).
   */
  async retryRollout(sessionDir: string, rolloutId: string, onEvent: (e: RolloutEvent) => void): Promise<LiveRollout> {
    const dir = resolve(sessionDir);
    const own = this.runSession && resolve(this.runSession.dir) === dir ? this.runSession : this.batchWriters.get(sessionDir) ?? [...this.batchWriters].find(([d]) => resolve(d) === dir)?.[1];
    const unlock = own ? undefined : acquireSessionLock(dir);
    let writer: SessionWriter | undefined;
    let handedOver = false;
    try {
      writer = own ?? SessionWriter.open(dir);
      const m = writer.manifest;
      const reader = openSession(dir);
      const row = reader.attempts().find((s) => s.rollout_id === rolloutId);
      const { tasks } = await loadTasks(m.dataset.ref, { ids: row ? [row.instance_id] : m.dataset.instance_ids });
      const item = planRetry(reader, tasks, rolloutId);
      const settings = { ...(m.scheduler as unknown as BatchSettings) };
      let newId: string | undefined;
      let resolveId!: (id: string) => void;
      const idKnown = new Promise<string>((r) => (resolveId = r));
      const { scheduler } = await createSessionScheduler(writer, [item], settings, {
        env: this.env,
        wrapRunner: this.listening((e) => {
          if (!newId) resolveId((newId = e.rollout));
          onEvent(e);
        }),
      });
      this.schedulers.add(scheduler);
      const opened = own ? undefined : writer;
      const done = scheduler.run().finally(() => {
        this.schedulers.delete(scheduler);
        opened?.close();
        unlock?.();
      });
      handedOver = true; // from here on, closed and unlocked when the retry ends
      this.runs.add(done);
      const id = await Promise.race([idKnown, done.then(() => newId ?? '')]);
      if (!id) throw new Error(`the retry of ${rolloutId} ended before it started (see ${dir})`);
      return { rolloutId: id, sessionDir, interrupt: () => scheduler.kill(id), done };
    } catch (e) {
      if (!own && !handedOver) {
        writer?.close();
        unlock?.();
      }
      throw e;
    }
  }

  /** An offline build that would leave an environment broken: an error before a session is created, as in `swegym batch`. */
  private async checkEnvironments(agent: AgentId, tasks: TaskRecord[], opts: BatchOptions = {}): Promise<void> {
    const gaps = await sessionPreflight(tasks, this.settingsFor(agent, opts), { env: this.env });
    if (gaps) throw new Error(gaps);
  }

  async startBatch(tasks: TaskInfo[], agent: AgentId, onEvent: (e: RolloutEvent) => void, opts: BatchOptions = {}): Promise<LiveBatch> {
    const records = tasks as TaskRecord[];
    this.checkAgent(agent, records);
    await this.checkEnvironments(agent, records, opts);
    const session = this.createSession('batch', records, agent, opts);
    const sched = await this.schedule(session, records, agent, onEvent, 0, opts);
    this.batchDirs.set(sched, session.dir);
    this.batchWriters.set(session.dir, session);
    // Another workbench or `swegym control` can watch and steer this batch too, like one started headless.
    const remote = startRemoteControl(session.dir, sched, { control: true });
    const done = sched.run().finally(() => {
      remote.close();
      this.schedulers.delete(sched);
      this.batchDirs.delete(sched);
    });
    this.runs.add(done);
    return { sessionDir: session.dir, control: sched, done };
  }

  attachCommand(vm: RolloutViewModel, sessionDir?: string): string {
    const live = vm.phase === 'running' || vm.phase === 'starting';
    if (live && vm.containerId) return `attach: ${execCommand(vm.containerId, vm.repoDir)}`;
    if (!vm.image) return 'no environment was created for this rollout';
    const dir = join(sessionDir ?? this.sessionsDir, 'patches');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${vm.rolloutId}.diff`);
    writeFileSync(file, vm.patch);
    return `recreate: ${recreateCommand(vm.image, file, vm.repoDir)}`;
  }

  savePatch(rolloutId: string, patch: string, sessionDir?: string): string {
    const dir = join(sessionDir ?? this.sessionsDir, 'patches');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${rolloutId}.diff`);
    writeFileSync(file, patch.endsWith('\n') ? patch : `${patch}\n`);
    return file;
  }

  async markWinner(sessionDir: string, instanceId: string, rolloutId: string): Promise<void> {
    appendWinner(sessionDir, instanceId, rolloutId);
  }

  async winners(sessionDir: string): Promise<Map<string, string>> {
    return readWinners(sessionDir);
  }

  get runningBatchDirs(): string[] {
    return [...this.batchDirs.values()];
  }

  get batchRunning(): boolean {
    return this.schedulers.size > 0;
  }

  async shutdown(mode: 'stop' | 'detach'): Promise<void> {
    if (mode === 'stop') await Promise.all([...this.schedulers].map((s) => s.stop('now')));
    await Promise.allSettled([...this.runs]);
    this.runSession?.close();
  }
}
