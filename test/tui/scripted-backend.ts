import type { RolloutEvent } from '../../src/core/events.js';
import type { RolloutSummary, SessionReader } from '../../src/core/session/types.js';
import type { SessionManifest } from '../../src/core/session/manifest.js';
import type { SchedulerControl, SchedulerSnapshot } from '../../src/core/scheduler/types.js';
import type { AgentChoice, AgentId, Backend, BatchOptions, LiveBatch, LiveRollout, SessionListing } from '../../src/tui/backend.js';
import type { TaskInfo } from '../../src/tui/panes/lines.js';
import type { RolloutViewModel } from '../../src/tui/state/rollout-view-model.js';
import { foldEvents } from '../../src/core/session/summary-fold.js';
import { TASK, scriptedBodies, stamp } from './scripted-rollout.js';

/** An in-memory session: the read side the TUI uses, filled from scripted events. */
export class MemorySession implements SessionReader {
  readonly logs = new Map<string, RolloutEvent[]>();
  private readonly followers = new Set<(e: RolloutEvent) => void>();
  constructor(readonly dir: string) {}
  manifest(): SessionManifest {
    const instance_ids = [...new Set([...this.logs.values()].flatMap((es) => es.flatMap((e) => (e.type === 'rollout_started' ? [e.instance_id] : []))))];
    return { format: 1, name: this.dir, swegym_version: '0.0.0', created_at: '', updated_at: '', dataset: { ref: 'memory', instance_ids }, images: {}, agent: {}, sampling: { samples: 1, temperatures: [0], seed: 0 } };
  }
  summaries(): RolloutSummary[] {
    return [...this.logs].map(([id, es]) => foldEvents(id, es));
  }
  async events(id: string) {
    return [...(this.logs.get(id) ?? [])];
  }
  follow(cb: (e: RolloutEvent) => void) {
    this.followers.add(cb);
    return () => this.followers.delete(cb);
  }
  append(e: RolloutEvent) {
    const l = this.logs.get(e.rollout) ?? [];
    l.push(e);
    this.logs.set(e.rollout, l);
    for (const f of this.followers) f(e);
  }
}

/** A scheduler-shaped controller over a fixed snapshot that records the calls made to it. */
export class RecordingControl implements SchedulerControl {
  calls: string[] = [];
  private readonly listeners = new Set<(s: SchedulerSnapshot) => void>();
  constructor(public snap: SchedulerSnapshot) {}
  snapshot() {
    return this.snap;
  }
  onSnapshot(cb: (s: SchedulerSnapshot) => void) {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }
  publish(s: SchedulerSnapshot) {
    this.snap = s;
    for (const l of this.listeners) l(s);
  }
  pause() {
    this.calls.push('pause');
    this.publish({ ...this.snap, state: 'paused' });
  }
  resume() {
    this.calls.push('resume');
    this.publish({ ...this.snap, state: 'running' });
  }
  async stop(mode: 'graceful' | 'now') {
    this.calls.push(`stop:${mode}`);
  }
  kill(id: string) {
    this.calls.push(`kill:${id}`);
  }
  retry(id: string) {
    this.calls.push(`retry:${id}`);
  }
}

export function snapshot(over: Partial<SchedulerSnapshot> = {}): SchedulerSnapshot {
  return {
    state: 'running', total: 10, done: 4, running: 2, queued: 4, resolved: 3, infra_failures: 1, retries: 2, stalled: [], active: [],
    throughput_per_min: 2.5, eta_ms: 144_000, cost_usd: 1.2, projected_cost_usd: 3, budget_usd: 5, tokens: 12345,
    workers: { busy: 2, max: 4 }, endpoints: [{ url: 'http://127.0.0.1:8000/v1', in_flight: 2, max: 8 }], containers_swept: 3, ...over,
  };
}

/** The Backend port driven by scripted events, delivered on a timer like a live rollout. */
export class ScriptedBackend implements Backend {
  readonly datasetName = 'samples';
  readonly modelHint = 'No model configured: set OPENAI_API_KEY, --model, --base-url';
  readonly sessions = new Map<string, MemorySession>();
  started: Array<{ instance: string; agent: AgentId }> = [];
  interrupted: string[] = [];
  shutdowns: string[] = [];
  control?: RecordingControl;
  constructor(readonly taskList: TaskInfo[] = [TASK, { ...TASK, instance_id: 'other__proj-7', repo: 'other/proj', problem_statement: 'Something else entirely.' }], readonly stepMs = 5) {}
  async tasks() {
    return this.taskList;
  }
  agents(): AgentChoice[] {
    return [
      { id: 'gold', label: 'gold', available: true },
      { id: 'replay', label: 'replay', available: true },
      { id: 'llm', label: 'llm', available: false, note: 'set OPENAI_API_KEY' },
    ];
  }
  async listSessions(): Promise<SessionListing[]> {
    return [...this.sessions.values()].map((s) => {
      const sum = s.summaries();
      return { dir: s.dir, name: s.dir, status: 'done', rollouts: sum.length, done: sum.length, resolved: sum.filter((x) => x.resolved).length, costUsd: sum.reduce((a, x) => a + x.cost_usd, 0) };
    });
  }
  async openSession(dir: string) {
    const s = this.sessions.get(dir);
    if (!s) throw new Error(`no session ${dir}`);
    return s;
  }
  session(dir: string): MemorySession {
    let s = this.sessions.get(dir);
    if (!s) this.sessions.set(dir, (s = new MemorySession(dir)));
    return s;
  }
  async startRollout(task: TaskInfo, agent: AgentId, onEvent: (e: RolloutEvent) => void): Promise<LiveRollout> {
    this.started.push({ instance: task.instance_id, agent });
    const s = this.session('sessions/tui-1');
    const id = `${task.instance_id}-${this.started.length}`;
    const events = stamp(id, scriptedBodies({ steps: 2 }).map((b) => (b.type === 'rollout_started' ? { ...b, instance_id: task.instance_id, agent: { kind: agent, config: {} } } : b)), Date.now());
    let stop = false;
    const done = (async () => {
      for (const e of events) {
        if (stop) break;
        await new Promise((r) => setTimeout(r, this.stepMs));
        s.append(e);
        onEvent(e);
      }
    })();
    return { rolloutId: id, sessionDir: s.dir, interrupt: () => { stop = true; this.interrupted.push(id); }, done };
  }
  batches: Array<{ instances: string[]; agent: AgentId; opts?: BatchOptions }> = [];
  async startBatch(tasks: TaskInfo[], agent: AgentId, _onEvent?: unknown, opts?: BatchOptions): Promise<LiveBatch> {
    this.batches.push({ instances: tasks.map((t) => t.instance_id), agent, opts });
    this.control = new RecordingControl(snapshot());
    this.session('sessions/batch-1');
    return { sessionDir: 'sessions/batch-1', control: this.control, done: new Promise(() => {}) };
  }
  attachCommand(vm: RolloutViewModel) {
    return vm.containerId ? `attach: docker exec -it ${vm.containerId.slice(0, 12)} bash` : 'none';
  }
  async shutdown(mode: 'stop' | 'detach') {
    this.shutdowns.push(mode);
  }
}
