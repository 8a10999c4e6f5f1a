import { RolloutEmitter, type RolloutEvent } from '../events.js';
import type { TaskRecord } from '../dataset/schema.js';
import { rolloutId as makeRolloutId } from '../session/ids.js';
import type { RolloutLog } from '../session/writer.js';
import type { IndexedSummary } from '../session/summary-fold.js';
import type { SchedulerControl, SchedulerSnapshot } from './types.js';
import { EndpointLimiter } from './semaphore.js';
import { ImagePrefetcher, isNoImageError, type ImageInfo } from './images.js';
import { backoffMs, type WorkItem } from './queue.js';
import { SnapshotPublisher } from './snapshot-publisher.js';
import { ROLLOUT_LABEL, SESSION_LABEL, SESSION_NAME_LABEL, type Engine, type RunnerContext, type RunnerOutcome, type SchedulerOptions, type SchedulerResult } from './scheduler-api.js';
import { sweepSession } from '../runtime/lifecycle.js';

export { ROLLOUT_LABEL, SESSION_LABEL } from './scheduler-api.js';
export type { Engine, RunnerContext, RunnerOutcome, RolloutRunner, SchedulerOptions, SchedulerResult } from './scheduler-api.js';

type KillReason = 'kill' | 'retry' | 'timeout' | 'stop' | 'budget';

interface Active {
  item: WorkItem;
  id: string;
  log: RolloutLog;
  emitter: RolloutEmitter;
  abort: AbortController;
  killed?: KillReason;
  started: number;
  lastEventAt: number;
  ended: boolean;
  engine: Engine;
  /** The agent's stop message (why it stopped with 'error'). */
  stopMessage?: string;
}

/** Errors that mean the LLM endpoint (not the agent) failed: the rollout says nothing about the agent. */
/** How long a worker waits for an engine that stopped answering before giving the rollout up to `resume`. */
const ENGINE_WAIT_MS = 15 * 60_000;

const ENDPOINT_DOWN = /(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|socket hang up|fetch failed|Connection error|Request timed out|status (5\d\d|429)|\b(502|503|504)\b)/i;

/**
 * The batch scheduler: a bounded pool of workers over a queue of (instance, sample) pairs. Library first: the CLI and
 * the workbench drive it through SchedulerControl and read its snapshots.
 */
export class Scheduler implements SchedulerControl {
  private readonly queue: WorkItem[];
  private readonly active = new Map<string, Active>();
  private state: SchedulerSnapshot['state'] = 'running';
  private paused = false;
  private stopMode: 'graceful' | 'now' | undefined;
  private stopReason: string | undefined;
  /** Why the batch cannot go on (the endpoint refused the key or the model); set once, ends the run. */
  private fatal: string | undefined;
  private wake: Array<() => void> = [];
  private readonly limiter: EndpointLimiter;
  private total: number;
  private done = 0;
  private doneThisRun = 0;
  private resolved = 0;
  private infraFailures = 0;
  private retries = 0;
  private costUsd = 0;
  private tokens = 0;
  private startedAt = 0;
  private readonly publisher: SnapshotPublisher;
  private ticker: NodeJS.Timeout | undefined;
  private readonly stalled = new Set<string>();
  private runPromise: Promise<SchedulerResult> | undefined;
  private readonly abandoned = new Set<Promise<unknown>>();
  readonly outcomes = new Map<string, RunnerOutcome & { rollout_id: string }>();

  constructor(private readonly opts: SchedulerOptions) {
    if (opts.engines.length === 0) throw new Error('scheduler: at least one engine is needed');
    if (!(opts.concurrency >= 1)) throw new Error(`scheduler: concurrency must be >= 1, got ${opts.concurrency}`);
    this.queue = [...opts.items];
    this.limiter = opts.limiter ?? new EndpointLimiter(Number.MAX_SAFE_INTEGER);
    this.publisher = new SnapshotPublisher(() => this.snapshot(), opts.snapshotIntervalMs ?? 100);
    const p = opts.previous;
    this.total = (p?.total ?? p?.done ?? 0) + this.queue.length;
    this.done = p?.done ?? 0;
    this.resolved = p?.resolved ?? 0;
    this.costUsd = p?.cost_usd ?? 0;
    this.tokens = p?.tokens ?? 0;
    this.infraFailures = p?.infra_failures ?? 0;
    this.retries = p?.retries ?? 0;
  }

  // ---- control -------------------------------------------------------------------------------------------------

  run(): Promise<SchedulerResult> {
    this.runPromise ??= this.runInner();
    return this.runPromise;
  }

  snapshot(): SchedulerSnapshot {
    const now = Date.now();
    const elapsedMin = this.startedAt ? (now - this.startedAt) / 60000 : 0;
    const throughput = elapsedMin > 0 ? this.doneThisRun / elapsedMin : 0;
    const remaining = this.total - this.done;
    const active = [...this.active.values()].map((a) => {
      const s = a.log.summary as IndexedSummary;
      return {
        ...s,
        status: 'running' as const,
        current_step: s.current_step,
        heartbeat_age_ms: now - a.lastEventAt,
        container_id: s.container_id,
      };
    });
    return {
      state: this.state,
      total: this.total,
      done: this.done,
      running: this.active.size,
      queued: this.queue.length,
      resolved: this.resolved,
      infra_failures: this.infraFailures,
      retries: this.retries,
      stalled: [...this.stalled].filter((id) => this.active.has(id)),
      active,
      throughput_per_min: throughput,
      eta_ms: throughput > 0 ? (remaining / throughput) * 60000 : undefined,
      cost_usd: this.costUsd,
      projected_cost_usd: this.done > 0 ? (this.costUsd / this.done) * remaining + this.costUsd : undefined,
      budget_usd: this.opts.budgetUsd,
      tokens: this.tokens,
      workers: { busy: this.active.size, max: this.opts.concurrency },
      endpoints: this.limiter.snapshot(),
      containers_swept: this.opts.containersSwept ?? 0,
    };
  }

  onSnapshot(cb: (s: SchedulerSnapshot) => void): () => void {
    return this.publisher.subscribe(cb);
  }

  pause(): void {
    if (this.state !== 'running') return;
    this.paused = true;
    this.state = 'paused';
    this.publish(true);
  }

  resume(): void {
    if (this.state !== 'paused') return;
    this.paused = false;
    this.state = 'running';
    this.notify();
    this.publish(true);
  }

  async stop(mode: 'graceful' | 'now'): Promise<void> {
    if (this.stopMode !== 'now') this.stopMode = mode;
    if (this.state !== 'done' && this.state !== 'stopped') this.state = 'stopping';
    this.paused = false;
    if (mode === 'now') for (const a of this.active.values()) this.abortActive(a, 'stop');
    this.notify();
    this.publish(true);
    if (this.runPromise) await this.runPromise;
  }

  kill(rolloutId: string): void {
    const a = this.active.get(rolloutId);
    if (a) this.abortActive(a, 'kill');
  }

  retry(rolloutId: string): void {
    const a = this.active.get(rolloutId);
    if (a) this.abortActive(a, 'retry');
  }

  // ---- internals -----------------------------------------------------------------------------------------------

  private log(level: 'info' | 'warn' | 'error', msg: string): void {
    this.opts.log?.(level, msg);
  }

  private abortActive(a: Active, why: KillReason): void {
    if (a.killed) return;
    a.killed = why;
    a.abort.abort(new Error(`rollout ${why === 'timeout' ? 'exceeded its wall-clock limit' : why === 'budget' ? 'stopped: budget reached' : why === 'retry' ? 'retried by the user' : why === 'kill' ? 'killed by the user' : 'stopped'}`));
  }

  private notify(): void {
    const w = this.wake;
    this.wake = [];
    for (const f of w) f();
  }

  private sleepUntilWoken(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wake.push(done);
    });
  }

  private publish(force = false): void {
    this.publisher.publish(force);
  }

  private tick(): void {
    const stallMs = this.opts.stallAfterMs;
    if (stallMs) {
      const now = Date.now();
      for (const a of this.active.values()) {
        if (now - a.lastEventAt > stallMs && !this.stalled.has(a.id)) {
          this.stalled.add(a.id);
          this.log('warn', `rollout ${a.id} stalled: no event for ${Math.round((now - a.lastEventAt) / 1000)} s`);
        }
      }
    }
    this.publish();
  }

  /** Next runnable item, or undefined when nothing will ever be runnable; waits through backoff and pause. */
  private async next(): Promise<WorkItem | undefined> {
    for (;;) {
      if (this.stopMode) return undefined;
      if (this.paused) {
        await this.sleepUntilWoken(1000);
        continue;
      }
      if (this.queue.length === 0) {
        // A running rollout may still be retried (infra failure): wait for it unless nothing is running.
        if (this.active.size === 0) return undefined;
        await this.sleepUntilWoken(1000);
        continue;
      }
      const now = Date.now();
      const i = this.queue.findIndex((w) => w.not_before <= now);
      if (i < 0) {
        const soonest = Math.min(...this.queue.map((w) => w.not_before));
        await this.sleepUntilWoken(Math.max(10, soonest - now));
        continue;
      }
      const [item] = this.queue.splice(i, 1);
      this.prefetchAhead();
      return item;
    }
  }

  private prefetchAhead(): void {
    const all = new Set([this.opts.images, ...this.opts.engines.map((e) => e.images)].filter((x): x is ImagePrefetcher => !!x));
    if (all.size === 0) return;
    const look = this.opts.imageLookahead ?? Math.max(2, this.opts.concurrency);
    const upcoming: TaskRecord[] = [];
    const seen = new Set<string>();
    for (const w of this.queue) {
      if (seen.has(w.instance_id)) continue;
      seen.add(w.instance_id);
      upcoming.push(w.task);
      if (upcoming.length >= look) break;
    }
    for (const images of all) images.prefetch(upcoming);
  }

  private async runInner(): Promise<SchedulerResult> {
    this.startedAt = Date.now();
    this.ticker = setInterval(() => this.tick(), 250);
    this.prefetchAhead();
    this.publish(true);
    const workers = Array.from({ length: this.opts.concurrency }, (_, i) => this.worker(i));
    await Promise.all(workers);
    if (this.ticker) clearInterval(this.ticker);
    // Never leave containers: abandoned runners' containers, and anything else of this session.
    await Promise.race([Promise.allSettled([...this.abandoned]), new Promise((r) => setTimeout(r, 2000))]);
    await this.sweepSession();
    this.state = this.stopMode || this.queue.length > 0 ? 'stopped' : 'done';
    this.publish(true);
    this.publisher.cancelPending();
    return { state: this.state === 'done' ? 'done' : 'stopped', reason: this.stopReason, ...(this.fatal ? { fatal: this.fatal } : {}), snapshot: this.snapshot() };
  }

  private async sweepSession(): Promise<void> {
    const session = this.opts.session.name;
    for (const e of this.opts.engines) {
      try {
        // By the session's unique id; this process's own containers and crashed runs' ones, never another live one's.
        const n = await sweepSession(e.provider, this.opts.session.id);
        if (n > 0) this.log('info', `removed ${n} container(s) of session ${session} on engine ${e.name}`);
      } catch (err) {
        this.log('error', `engine ${e.name}: sweeping containers failed: ${(err as Error).message}`);
      }
    }
  }

  private async worker(index: number): Promise<void> {
    const engine = this.opts.engines[index % this.opts.engines.length]!;
    for (;;) {
      const item = await this.next();
      if (!item) return;
      await this.runItem(item, engine);
      this.notify();
    }
  }

  private track(a: Active, e: RolloutEvent): void {
    a.lastEventAt = Date.now();
    if (this.stalled.delete(a.id)) this.log('info', `rollout ${a.id} is alive again`);
    if (e.type === 'model_response') {
      this.costUsd += e.cost_usd ?? 0;
      this.tokens += e.usage.prompt_tokens + e.usage.completion_tokens;
      this.checkBudget();
    }
    if (e.type === 'agent_stopped') a.stopMessage = e.message;
    if (e.type === 'rollout_ended') a.ended = true;
    this.publish();
  }

  private checkBudget(): void {
    const { budgetUsd, budgetTokens } = this.opts;
    let why: string | undefined;
    if (budgetUsd !== undefined && this.costUsd >= budgetUsd) why = `cost budget reached ($${this.costUsd.toFixed(4)} >= $${budgetUsd})`;
    if (budgetTokens !== undefined && this.tokens >= budgetTokens) why = `token budget reached (${this.tokens} >= ${budgetTokens})`;
    if (!why || this.stopMode === 'now') return;
    this.stopReason = why;
    this.log('warn', `${why}: stopping now`);
    this.stopMode = 'now';
    this.state = 'stopping';
    for (const a of this.active.values()) this.abortActive(a, 'budget');
    this.notify();
  }

  private stopFatal(why: string): void {
    if (this.fatal) return;
    this.fatal = why;
    this.stopReason = why;
    this.log('error', `${why}: stopping the batch`);
    this.stopMode = 'now';
    this.state = 'stopping';
    for (const a of this.active.values()) this.abortActive(a, 'stop');
    this.notify();
  }

  private async runItem(item: WorkItem, engine: Engine): Promise<void> {
    const session = this.opts.session;
    const id = makeRolloutId(item.instance_id, item.sample, item.attempt);
    const log = session.openRollout(id);
    const abort = new AbortController();
    const a: Active = { item, id, log, abort, started: Date.now(), lastEventAt: Date.now(), ended: false, engine, emitter: undefined as unknown as RolloutEmitter };
    a.emitter = new RolloutEmitter(id, (e) => {
      if (log.closed) return; // an abandoned runner keeps talking: its events no longer belong to the log
      // The runner does not know the attempt or the seed: the scheduler stamps them on rollout_started.
      const ev = e.type === 'rollout_ended' ? this.reclassify(a, e) : e.type === 'rollout_started' ? { ...e, attempt: item.attempt, seed: item.seed } : e;
      log.append(ev);
      this.track(a, ev);
    });
    this.active.set(id, a);
    this.publish(true);

    let timeout: NodeJS.Timeout | undefined;
    if (this.opts.rolloutTimeoutMs) timeout = setTimeout(() => this.abortActive(a, 'timeout'), this.opts.rolloutTimeoutMs);
    let release: (() => void) | undefined;
    let outcome: RunnerOutcome;
    try {
      let image: ImageInfo | undefined;
      const images = engine.images ?? this.opts.images;
      if (images) {
        try {
          const got = await images.acquire(item.task);
          image = got.info;
          release = got.release;
          const known = session.manifest.images[item.instance_id];
          if (!known || known.digest !== image.digest) session.updateManifest({ images: { ...session.manifest.images, [item.instance_id]: image } });
        } catch (e) {
          const noImage = isNoImageError(e);
          this.startEvent(a);
          a.emitter.emit({ type: 'rollout_ended', status: noImage ? 'no_image' : 'infra_error', error: `image: ${(e as Error).message}`, duration_ms: Date.now() - a.started });
          outcome = { status: noImage ? 'no_image' : 'infra_error', error: (e as Error).message };
          return this.settle(a, outcome);
        }
      }
      outcome = await this.runWithAbandon(a, engine, image);
      if (outcome.status === 'infra_error' && engine.ping && !this.stopMode && !(await engine.ping())) {
        // The engine itself is down: this attempt says nothing about the rollout. Wait for the engine, then run the
        // pair again without spending one of its infrastructure retries (resume picks it up if we stop first).
        if (await this.waitForEngine(engine)) outcome = { ...outcome, engine_outage: true } as RunnerOutcome;
      }
      this.settle(a, outcome);
    } finally {
      if (timeout) clearTimeout(timeout);
      release?.();
      log.close();
      this.active.delete(id);
      this.stalled.delete(id);
      this.publish(true);
    }
  }

  private startEvent(a: Active): void {
    if (a.log.summary.started_at !== undefined) return;
    a.emitter.emit({ type: 'rollout_started', instance_id: a.item.instance_id, sample: a.item.sample, attempt: a.item.attempt, temperature: a.item.temperature, seed: a.item.seed, agent: { kind: 'external', config: {} } });
  }

  /** An agent run ended by an unreachable endpoint is an infrastructure failure, not a result. */
  private reclassify(a: Active, e: Extract<RolloutEvent, { type: 'rollout_ended' }>): RolloutEvent {
    if (a.killed === 'timeout' && e.status !== 'completed') return { ...e, status: 'infra_error', error: e.error ?? 'rollout wall-clock limit exceeded' };
    if (a.killed && a.killed !== 'timeout' && e.status === 'completed' && a.log.summary.verdict === undefined) return { ...e, status: 'interrupted' };
    const s = a.log.summary;
    if (e.status === 'completed' && s.stop_reason === 'error' && s.turns === 0) {
      return { ...e, status: 'infra_error', error: e.error ?? 'agent failed before its first turn (endpoint unreachable?)' };
    }
    // The endpoint went away mid-run (the client's own retries exhausted): not something the agent did.
    if (e.status === 'completed' && s.stop_reason === 'error' && ENDPOINT_DOWN.test(a.stopMessage ?? '')) {
      return { ...e, status: 'infra_error', error: e.error ?? `LLM endpoint failed: ${a.stopMessage}` };
    }
    return e;
  }

  private async runWithAbandon(a: Active, engine: Engine, image: ImageInfo | undefined): Promise<RunnerOutcome> {
    const ctx: RunnerContext = {
      task: a.item.task,
      sample: a.item.sample,
      temperature: a.item.temperature,
      seed: a.item.seed,
      attempt: a.item.attempt,
      rolloutId: a.id,
      session: this.opts.session.name,
      emitter: a.emitter,
      signal: a.abort.signal,
      engine,
      image,
      labels: { [SESSION_LABEL]: this.opts.session.id, [SESSION_NAME_LABEL]: this.opts.session.name, [ROLLOUT_LABEL]: a.id },
      limiter: this.limiter,
    };
    const running = (async () => {
      try {
        return await this.opts.runner(ctx);
      } catch (e) {
        const msg = (e as Error)?.message ?? String(e);
        return { status: a.killed && a.killed !== 'timeout' ? 'interrupted' : 'infra_error', error: msg } as RunnerOutcome;
      }
    })();
    // A runner that ignores its abort (a hung docker exec, a hung verification) is abandoned after a grace period.
    const abandon = new Promise<RunnerOutcome | 'abandon'>((resolve) => {
      const onAbort = () => setTimeout(() => resolve('abandon'), this.opts.abandonAfterMs ?? 10000).unref?.();
      if (a.abort.signal.aborted) onAbort();
      else a.abort.signal.addEventListener('abort', onAbort, { once: true });
      void running.then(resolve);
    });
    let out = await abandon;
    if (out === 'abandon') {
      this.log('warn', `rollout ${a.id} did not stop within ${(this.opts.abandonAfterMs ?? 10000) / 1000} s of being ${a.killed}; abandoning it and removing its containers`);
      this.abandoned.add(running);
      void running.finally(() => this.abandoned.delete(running));
      // Rollout ids repeat across sessions: the session id makes the sweep this rollout's only.
      await engine.provider.sweep({ [SESSION_LABEL]: this.opts.session.id, [ROLLOUT_LABEL]: a.id }).catch(() => 0);
      out = { status: a.killed === 'timeout' ? 'infra_error' : 'interrupted', error: `abandoned after ${a.killed}` };
    }
    if (!a.ended) {
      this.startEvent(a);
      a.emitter.emit({ type: 'rollout_ended', status: out.status, error: out.error, duration_ms: Date.now() - a.started });
    }
    // The log is the truth for the status (reclassified on the way in).
    return { ...out, status: (a.log.summary.status as RunnerOutcome['status']) ?? out.status };
  }

  /** Polls the engine until it answers, the batch stops, or ENGINE_WAIT_MS pass; true when it answers. */
  private async waitForEngine(engine: Engine): Promise<boolean> {
    if (!engine.ping) return true;
    this.log('warn', `engine ${engine.name} does not answer: waiting for it (nothing is recorded as a result meanwhile)`);
    const deadline = Date.now() + (this.opts.engineWaitMs ?? ENGINE_WAIT_MS);
    while (Date.now() < deadline && !this.stopMode) {
      if (await engine.ping()) {
        this.log('info', `engine ${engine.name} answers again`);
        return true;
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
    return false;
  }

  private settle(a: Active, outcome: RunnerOutcome): void {
    this.outcomes.set(`${a.item.instance_id}#${a.item.sample}`, { ...outcome, rollout_id: a.id });
    const { item } = a;
    if (outcome.status === 'infra_error' && (outcome as { engine_outage?: boolean }).engine_outage && !this.stopMode) {
      this.infraFailures++;
      this.retries++;
      this.queue.unshift({ ...item, attempt: item.attempt + 1, not_before: 0 });
      this.log('warn', `${a.id}: the engine was unreachable (${outcome.error ?? 'unknown'}); running it again`);
      return;
    }
    if (outcome.status === 'infra_error' && a.log.summary.stop_reason === 'endpoint_rejected') {
      // A bad key or model name fails every rollout the same way: stop at the first one instead of burning through
      // the batch (Inspect AI stops an eval on such an error too). The pair is re-run by `resume` once it is fixed.
      this.infraFailures++;
      this.stopFatal(outcome.error ?? a.stopMessage ?? 'the model endpoint rejected the request');
      return;
    }
    if (a.killed === 'retry') {
      this.retries++;
      this.queue.unshift({ ...item, attempt: item.attempt + 1, not_before: 0 });
      this.log('info', `retrying ${a.id} as attempt ${item.attempt + 1}`);
      return;
    }
    if (outcome.status === 'infra_error') {
      this.infraFailures++;
      const failures = item.infra_failures + 1;
      if (!this.stopMode && a.killed !== 'kill' && failures <= (this.opts.maxInfraRetries ?? 2)) {
        this.retries++;
        const delay = backoffMs(failures, this.opts.backoffBaseMs ?? 2000, this.opts.backoffMaxMs ?? 60000);
        this.queue.push({ ...item, attempt: item.attempt + 1, infra_failures: failures, not_before: Date.now() + delay });
        this.log('warn', `${a.id}: infrastructure failure (${outcome.error ?? 'unknown'}); retry ${failures} in ${Math.round(delay / 1000)} s`);
        return;
      }
      this.log('error', `${a.id}: infrastructure failure (${outcome.error ?? 'unknown'}); not retried`);
    }
    if (outcome.status === 'interrupted') return; // not done: resume re-runs it
    this.done++;
    this.doneThisRun++;
    if (a.log.summary.resolved) this.resolved++;
  }
}
